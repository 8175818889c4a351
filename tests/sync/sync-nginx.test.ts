/**
 * `airgap-mirror sync` against a real nginx on 127.0.0.1 serving an upstream made with
 * createrepo_c, modifyrepo_c, gpg and openssl (tests/helpers/upstream.ts): whole-repo
 * fidelity (repodata byte for byte, served verbatim by `build --repodata auto`, dnf installs
 * from the site), a repo behind a client-certificate check (the entitlement case), subsets
 * judged by dnf (module and group lists), reruns that cost one request per repo, dry run,
 * lockfile replay, --delete, unsafe locations, `.repo` import and config errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { dnf } from '../helpers/dnf.ts';
import { startNginx, startNginxServers, type Nginx } from '../helpers/nginx.ts';
import { makeUpstream, upstreamServers, type Upstream } from '../helpers/upstream.ts';
import { run } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait-for.ts';

let up: Upstream;
let servers: Nginx[];
let http: string;
let https: string;
let work: string;
const log = () => join(work, 'access.log');

beforeAll(async () => {
  up = await makeUpstream();
  work = await mkdtemp(join(tmpdir(), 'airgap-sync-'));
  servers = await startNginxServers(upstreamServers(up, join(work, 'access.log')), 3);
  http = servers[0]!.url;
  https = servers[1]!.url.replace('http:', 'https:');
});
afterAll(async () => {
  await servers?.[0]?.stop();
  await up?.cleanup();
  await rm(work, { recursive: true, force: true });
});

/** Writes a config with a sync block of `repos` (YAML flow mappings) and returns its path. */
async function config(name: string, repos: Record<string, unknown>[], extra = ''): Promise<string> {
  const file = join(work, `${name}.yaml`);
  await writeFile(file, `${extra}sync:\n  retries: 1\n  repos:\n${repos.map((r) => `    - ${JSON.stringify(r)}\n`).join('')}`);
  return file;
}

let sentinels = 0;

/**
 * Requests nginx logged since `from` lines, and the new line count. nginx may log a request a
 * moment after its client saw the response, so a sentinel request is made and waited for in the
 * log: its one worker logs requests in the order they finish (sentinel lines are left out).
 */
async function requestsSince(from: number): Promise<{ lines: string[]; count: number }> {
  const mark = `/__log-sentinel/${++sentinels}`;
  await (await fetch(new URL(mark, http))).arrayBuffer();
  const text = () => readFile(log(), 'utf8').catch(() => '');
  await waitFor(`nginx to log ${mark}`, work, async () => (await text()).includes(mark));
  const all = (await text()).split('\n').filter((l) => l && !l.includes('/__log-sentinel/'));
  return { lines: all.slice(from), count: all.length };
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

describe('whole-repo sync over HTTP', () => {
  let mirror: string;
  let cfg: string;
  beforeAll(async () => {
    mirror = join(work, 'whole');
    cfg = await config('whole', [{ id: 'ubi9-appstream', baseurl: `${http}ubi9/appstream/`, path: 'ubi9/appstream' },
      { id: 'ubi9-baseos', baseurl: `${http}ubi9/baseos/`, path: 'ubi9/baseos' }]);
  });

  it('fetches every package and keeps the upstream repodata byte for byte, signature included', async () => {
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/ubi9-appstream\s+synced\s+whole\s+7 fetched/);
    const upstream = join(up.root, 'ubi9/appstream');
    const local = join(mirror, 'ubi9/appstream');
    const files = await filesUnder(upstream);
    expect(files).toContain('repodata/repomd.xml.asc');
    expect(files).toContain('repodata/repomd.xml.key');
    expect((await filesUnder(local)).filter((f) => !f.startsWith('.airgap-mirror-sync/'))).toEqual(files);
    for (const f of files) expect((await readFile(join(local, f))).equals(await readFile(join(upstream, f))), f).toBe(true);
  });

  it('reruns with one request per repo when nothing changed upstream', async () => {
    const before = await requestsSince(0);
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ubi9-appstream\s+up to date/);
    expect(r.stdout).toMatch(/ubi9-baseos\s+up to date/);
    const after = await requestsSince(before.count);
    expect(after.lines.sort()).toEqual(['GET /ubi9/appstream/repodata/repomd.xml 200 -', 'GET /ubi9/baseos/repodata/repomd.xml 200 -']);
  });

  it('builds with --repodata auto serving the upstream repodata verbatim, and dnf installs from the site', async () => {
    const site = join(work, 'whole-site');
    const b = await cli(['build', '--mirror', mirror, '--out', site, '--repodata', 'auto', '--repodata-only']);
    expect(b.code, b.stderr).toBe(0);
    for (const f of ['repomd.xml', 'repomd.xml.asc']) {
      expect((await readFile(join(site, 'ubi9/appstream/repodata', f)))
        .equals(await readFile(join(up.root, 'ubi9/appstream/repodata', f))), f).toBe(true);
    }
    expect((await readFile(join(site, 'ubi9/baseos/repodata/repomd.xml')))
      .equals(await readFile(join(up.root, 'ubi9/baseos/repodata/repomd.xml')))).toBe(true);
    const server = await startNginx(site);
    const root = await mkdtemp(join(tmpdir(), 'airgap-root-'));
    try {
      const repos = { appstream: `${server.url}ubi9/appstream/`, baseos: `${server.url}ubi9/baseos/` };
      const r = await dnf(repos, ['install', '-y', '--installroot', root, 'kernel-rpm-macros'], { arch: 'aarch64' });
      expect(r.code, r.stderr).toBe(0);
      const q = await run('rpm', ['--root', root, '-q', 'kernel-rpm-macros', 'rpm-build', 'hostname']);
      expect(q.stdout.trim().split('\n')).toEqual(['kernel-rpm-macros-185-13.el9.noarch',
        'rpm-build-4.16.1.3-29.el9.aarch64', 'hostname-3.23-6.el9.aarch64']);
    } finally {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('a repo whose server redirects', () => {
  it('follows the 302s to the files', async () => {
    const mirror = join(work, 'moved');
    const cfg = await config('moved', [{ id: 'moved', baseurl: `${http}moved/baseos/` }]);
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(join(mirror, 'moved/Packages'))).length).toBe(6);
    const log = (await requestsSince(0)).lines;
    expect(log).toContain('GET /moved/baseos/repodata/repomd.xml 302 -');
    expect(log).toContain('GET /ubi9/baseos/repodata/repomd.xml 200 -');
  });
});

describe('a proxy from the environment', () => {
  it('goes through HTTP_PROXY, and straight to hosts NO_PROXY names', async () => {
    const cfg = await config('proxied', [{ id: 'proxied', baseurl: `${http}ubi9/baseos/` }]);
    const proxy = `http://127.0.0.1:${servers[2]!.port}`;
    const before = (await requestsSince(0)).count;
    const r = await cli(['sync', '--config', cfg, '--mirror', join(work, 'proxied')], { env: { HTTP_PROXY: proxy, NO_PROXY: '' } });
    expect(r.code, r.stderr).toBe(0);
    const via = (await requestsSince(before)).lines.filter((l) => l.startsWith('proxy '));
    expect(via).toContain(`proxy GET /ubi9/baseos/repodata/repomd.xml 200`);
    expect(via.filter((l) => l.includes('/Packages/'))).toHaveLength(6);
    const mid = (await requestsSince(0)).count;
    const direct = await cli(['sync', '--config', cfg, '--mirror', join(work, 'direct')], { env: { HTTP_PROXY: proxy, NO_PROXY: '127.0.0.1' } });
    expect(direct.code, direct.stderr).toBe(0);
    expect((await requestsSince(mid)).lines.filter((l) => l.startsWith('proxy '))).toEqual([]);
  });
});

describe('a repo behind a client certificate (the Red Hat CDN entitlement case)', () => {
  const repo = () => ({ id: 'rhocp', baseurl: `${https}rhocp/`, path: 'rhocp', sslcacert: up.certs.ca });

  it('syncs with the entitlement certificate and key', async () => {
    const cfg = await config('tls', [{ ...repo(), sslclientcert: up.certs.clientCert, sslclientkey: up.certs.clientKey }]);
    const mirror = join(work, 'tls');
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror, '--lock', join(work, 'tls.lock.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(join(mirror, 'rhocp/Packages'))).length).toBe(6);
  });

  it('without them, names each file with the 403 and what to do, exit 2', async () => {
    const cfg = await config('tls-none', [repo()]);
    const r = await cli(['sync', '--config', cfg, '--mirror', join(work, 'tls-none')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${https}rhocp/repodata/repomd.xml: HTTP 403`);
    expect(r.stderr).toMatch(/entitlement/);
    const replay = await cli(['sync', '--config', cfg, '--mirror', join(work, 'tls-none'), '--from-lock', join(work, 'tls.lock.json')]);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain(`error: ${https}rhocp/repodata/repomd.xml: HTTP 403`);
  });
});

describe('subset sync', () => {
  let mirror: string;
  const dnfArgs = { arch: 'aarch64' };
  it('takes the newest version per name, the arches asked for, no source RPMs and not the excluded glob', async () => {
    mirror = join(work, 'subset');
    const cfg = await config('subset', [{ id: 'multi', baseurl: `${http}multi/`, path: 'multi', newest: 1,
      arch: ['aarch64', 'noarch'], source: false, exclude: ['nodejs*'] }]);
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/multi: subset of upstream \(source RPMs off: 1 left out; arch aarch64, noarch: 11 left out; exclude nodejs\*: 1 left out; newest 1 per name and arch: 2 left out\)/);
    expect(r.stdout).toMatch(/signature no longer applies/);
    expect((await readdir(join(mirror, 'multi/Packages'))).sort()).toEqual([
      'createrepo_c-0.20.1-2.el9.aarch64.rpm', 'createrepo_c-libs-0.20.1-2.el9.aarch64.rpm',
      'elfutils-libelf-devel-0.190-2.el9.aarch64.rpm', 'hostname-3.23-6.el9.aarch64.rpm',
      'kernel-rpm-macros-185-13.el9.noarch.rpm', 'patch-2.7.6-13.el9.aarch64.rpm', 'rpm-build-4.16.1.3-29.el9.aarch64.rpm',
    ]);
  });

  it('builds repodata dnf reads, with module streams and groups kept to the packages present', async () => {
    const site = join(work, 'subset-site');
    const b = await cli(['build', '--mirror', mirror, '--out', site, '--repodata', 'auto', '--repodata-only']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).not.toMatch(/upstream-repodata-stale/);
    const repos = { multi: join(site, 'multi') };
    const q = await dnf(repos, ['repoquery', '--qf', '%{name}-%{evr}.%{arch}'], dnfArgs);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout.trim().split('\n').sort()).toHaveLength(7);
    const modules = await dnf(repos, ['module', 'list'], dnfArgs);
    expect(modules.stdout).not.toMatch(/nodejs/);
    const full = await dnf({ multi: join(up.root, 'multi') }, ['module', 'list'], dnfArgs);
    expect(full.stdout).toMatch(/nodejs\s+18/); // upstream has the stream; the subset does not
    const groups = await dnf(repos, ['group', 'list', '-v'], dnfArgs);
    expect(groups.code, groups.stderr).toBe(0);
    expect(groups.stdout).toMatch(/Development Tools \(stand-in\)/);
    expect(groups.stdout).not.toMatch(/Node tools/);
    const info = await dnf(repos, ['group', 'info', 'development'], dnfArgs);
    expect(info.stdout).toMatch(/patch/);
    expect(info.stdout).not.toMatch(/nodejs/);
  });

  it('--delete lists and removes packages no longer selected, and only those', async () => {
    const cfg = await config('subset2', [{ id: 'multi', baseurl: `${http}multi/`, path: 'multi', newest: 1,
      arch: ['aarch64', 'noarch'], source: false, exclude: ['nodejs*', 'createrepo_c*'] }]);
    const dry = await cli(['sync', '--config', cfg, '--mirror', mirror, '--delete', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('would delete: multi/Packages/createrepo_c-0.20.1-2.el9.aarch64.rpm');
    expect((await readdir(join(mirror, 'multi/Packages'))).length).toBe(7);
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror, '--delete']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('delete: multi/Packages/createrepo_c-libs-0.20.1-2.el9.aarch64.rpm');
    expect((await readdir(join(mirror, 'multi/Packages'))).sort()).toEqual([
      'elfutils-libelf-devel-0.190-2.el9.aarch64.rpm', 'hostname-3.23-6.el9.aarch64.rpm',
      'kernel-rpm-macros-185-13.el9.noarch.rpm', 'patch-2.7.6-13.el9.aarch64.rpm', 'rpm-build-4.16.1.3-29.el9.aarch64.rpm',
    ]);
  });
});

describe('plan, lockfile and replay', () => {
  it('--dry-run prints the plan and free space and writes nothing in the mirror', async () => {
    const mirror = join(work, 'dry');
    const cfg = await config('dry', [{ id: 'multi', baseurl: `${http}multi/`, include: ['patch', 'hostname'], newest: 1 }]);
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror, '--dry-run', '--lock', join(work, 'dry.lock.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/multi\s+planned\s+subset\s+2 to fetch \([\d.]+ KB\), 0 present/);
    expect(r.stdout).toMatch(/Disk: [\d.]+ KB to fetch, [\d.]+ [KMGT]B free\./);
    await expect(stat(mirror)).rejects.toThrow();
    const lock = JSON.parse(await readFile(join(work, 'dry.lock.json'), 'utf8'));
    expect(lock.repos[0].packages.map((p: { nevra: string }) => p.nevra).sort())
      .toEqual(['hostname-3.23-6.el9.aarch64', 'patch-2.7.6-13.el9.aarch64']);
    expect(lock.repos[0].packages[0]).toMatchObject({ location: expect.stringMatching(/^Packages\//), checksumType: 'sha256',
      url: expect.stringContaining(`${http}multi/Packages/`), size: expect.any(Number) });
  });

  it('--from-lock fetches exactly the locked packages', async () => {
    const file = join(work, 'dry.lock.json');
    const lock = JSON.parse(await readFile(file, 'utf8'));
    lock.repos[0].packages = lock.repos[0].packages.filter((p: { nevra: string }) => p.nevra.startsWith('patch-'));
    await writeFile(file, JSON.stringify(lock));
    const cfg = await config('replay', [{ id: 'multi', baseurl: `${http}multi/` }]);
    const mirror = join(work, 'replay');
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror, '--from-lock', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(join(mirror, 'multi/Packages'))).toEqual(['patch-2.7.6-13.el9.aarch64.rpm']);
  });
});

describe('unsafe upstream locations', () => {
  it('refuses hrefs that leave the repo and xml:base on another host, naming each; writes nothing outside', async () => {
    const mirror = join(work, 'hostile');
    const cfg = await config('hostile', [
      { id: 'hostile', baseurl: `${http}hostile/`, path: 'repos/hostile' },
      { id: 'external', baseurl: `${http}external/`, path: 'repos/external' },
    ]);
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: .*hostile\/\.\.\/\.\.\/escape\/Packages\/hostname-3\.23-6\.el8\.aarch64\.rpm: the location .* leaves the repo's path; not fetched \[sync-unsafe-location\]/);
    expect(r.stderr).toMatch(/error: .*external\/Packages\/hostname-3\.23-6\.el8\.aarch64\.rpm: the location http:\/\/127\.0\.0\.1:9\/elsewhere\/ \+ Packages\/hostname-3\.23-6\.el8\.aarch64\.rpm is outside the repo's baseurl/);
    expect(await readdir(mirror)).toEqual(['repos']);
    expect((await filesUnder(mirror)).filter((f) => f.endsWith('.rpm'))).toEqual([]);
  });
});

describe('config', () => {
  it('imports the repos of a .repo file, with dnf variables from --var', async () => {
    const repoFile = join(work, 'upstream.repo');
    await writeFile(repoFile, `[ubi-9-appstream-rpms]\nname = UBI 9 AppStream\nbaseurl = ${http}ubi9/$stream/\nenabled = 1\n\n[off]\nbaseurl = ${http}nothing/\nenabled = 0\n`);
    const r = await cli(['sync', '--repo-file', repoFile, '--var', 'stream=appstream', '--mirror', join(work, 'repofile'), '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ubi-9-appstream-rpms\s+planned\s+whole\s+7 to fetch/);
    const unset = await cli(['sync', '--repo-file', repoFile, '--mirror', join(work, 'repofile'), '--dry-run']);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain(`${repoFile}:1 [ubi-9-appstream-rpms]: $stream is not set; pass --var stream=VALUE`);
  });

  it('names the file, the key path and what is expected for a bad or unknown key', async () => {
    const cfg = join(work, 'bad.yaml');
    await writeFile(cfg, 'sync:\n  jobs: many\n  repos:\n    - id: x\n      baseURL: http://127.0.0.1/\n');
    const r = await cli(['sync', '--config', cfg, '--mirror', join(work, 'bad')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${cfg}: sync.jobs: Invalid input: expected number, received string`);
    expect(r.stderr).toContain(`${cfg}: sync.repos[0].baseurl: Invalid input: expected string, received undefined`);
    expect(r.stderr).toMatch(new RegExp(`${cfg}: sync\\.repos\\[0\\]: Unrecognized key: "baseURL" \\(baseURL: did you mean baseurl\\?\\)`));
    const build = join(work, 'bad-build.yaml');
    await writeFile(build, 'baseurl: http://x/\nsettings:\n  doca: { version: [1] }\n');
    const b = await cli(['build', '--mirror', join(work, 'whole'), '--out', join(work, 'bad-site'), '--config', build]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`${build}: (top level): Unrecognized key: "baseurl" (baseurl: did you mean baseUrl?)`);
    expect(b.stderr).toContain(`${build}: settings.doca.version:`);
  });

  it('refuses an alias bomb and an oversized file before they are expanded', async () => {
    const bomb = join(work, 'bomb.yaml');
    const level = (n: number) => `l${n}: &l${n} [${Array(10).fill(n ? `*l${n - 1}` : '"boom"').join(', ')}]`;
    await writeFile(bomb, `${Array.from({ length: 9 }, (_, i) => level(i)).join('\n')}\nsync: { repos: [] }\n`);
    const r = await cli(['sync', '--config', bomb, '--mirror', join(work, 'bomb')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bomb\.yaml: cannot read the config file \(.*[Aa]lias/);
    const big = join(work, 'big.yaml');
    await writeFile(big, `# ${'x'.repeat(2 << 20)}\nsync: { repos: [] }\n`);
    const b = await cli(['sync', '--config', big, '--mirror', join(work, 'big')]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(new RegExp(`${big}: cannot read the config file \\(\\d+ bytes; a config file is at most 1 MiB\\)`));
  });
});
