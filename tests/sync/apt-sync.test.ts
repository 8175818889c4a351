/**
 * `sync` of apt repositories (issue 27) from an Ubuntu-shaped archive made in the test
 * (tests/helpers/apt-upstream.ts: dpkg-deb, apt-ftparchive, gpg), served on 127.0.0.1 by a fault
 * server (which logs every request and injects faults) and by nginx.
 * Judges: real apt-get in an isolated root, verifying signatures (Signed-By, never trusted=yes):
 * over the mirror's kept upstream indices (a whole suite, byte for byte), and over the site
 * `build` makes of a closure subset, where `install --download-only` of each Ubuntu pool's roots
 * succeeds and picks the same packages as apt over the full upstream; dnf for the RHCOS pool of the
 * same run; gpg/openpgp for signatures; the fault server for tampering, 403/500 and cut transfers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { run } from '../helpers/run.ts';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import {
  archivePackages, copyArchive, makeAptArchive, poolPath, SUITES, type AptArchive,
} from '../helpers/apt-upstream.ts';
import { K1, makeClosureUpstream, type ClosureUpstream } from '../helpers/closure-upstream.ts';
import { dnf } from '../helpers/dnf.ts';
import { kernelTarget, wantedPackages } from '../../scripts/closure/profiles.ts';

let up: AptArchive, server: FaultServer, nginx: Nginx, work: string, rpmUp: ClosureUpstream, rpmServer: Nginx;

beforeAll(async () => {
  [up, rpmUp] = await Promise.all([makeAptArchive(), makeClosureUpstream()]);
  server = await startFaultServer(up.root);
  rpmServer = await startNginx(rpmUp.root);
  work = await mkdtemp(join(tmpdir(), 'airgap-apt-sync-'));
  nginx = await startNginx(work);
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await nginx?.stop();
  await rpmServer?.stop();
  await up?.remove();
  await rpmUp?.remove();
  await rm(work, { recursive: true, force: true });
});

/** apt-get or apt-cache with all state under `root` (amd64, no dpkg status, no locking). */
const apt = (root: string, args: string[], tool = 'apt-get') => run(tool, ['-o', `Dir=${root}`,
  '-o', `Dir::State::status=${join(root, 'var/lib/dpkg/status')}`, '-o', 'APT::Architecture=amd64',
  '-o', 'APT::Architectures=amd64', '-o', 'APT::Sandbox::User=root', '-o', 'Debug::NoLocking=1', ...args]);

/** An isolated apt root whose only source is `sources` (deb822 text). */
async function aptRoot(name: string, sources: string): Promise<string> {
  const root = join(work, 'apt', name);
  for (const d of ['etc/apt/sources.list.d', 'etc/apt/preferences.d', 'var/lib/apt/lists/partial', 'var/lib/dpkg',
    'var/cache/apt/archives/partial']) await mkdir(join(root, d), { recursive: true });
  await writeFile(join(root, 'var/lib/dpkg/status'), '');
  await writeFile(join(root, 'etc/apt/sources.list.d/test.sources'), sources);
  return root;
}

/** Writes a sync config with `repos` (YAML lines) and the closure block `closure` (YAML, or ''). */
async function config(name: string, repos: string, closure = ''): Promise<string> {
  const f = join(work, `${name}.yaml`);
  await writeFile(f, `sync:\n  retries: 0\n  timeout: 5\n${closure}  repos:\n${repos}`);
  return f;
}

const debRepo = (id: string, url: string, extra = '') => `    - id: ${id}
      type: deb
      uris: ["${url}"]
      suites: [${SUITES.join(', ')}]
      components: [main]
      signedBy: ["${up.publicKey}"]
${extra}`;

const filesUnder = async (dir: string): Promise<string[]> => (await readdir(dir, { recursive: true, withFileTypes: true })
  .catch(() => [])).filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name).slice(dir.length + 1)).sort();

describe('a suite taken whole', () => {
  const mirror = () => join(work, 'whole');
  it('keeps every upstream Release and index of the selected component byte for byte, and every package', async () => {
    const cfg = await config('whole', debRepo('ubuntu', `${server.url}ubuntu/`));
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror()]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const got = await filesUnder(join(mirror(), 'ubuntu'));
    for (const suite of SUITES) {
      for (const f of ['InRelease', 'Release', 'Release.gpg', 'main/binary-amd64/Packages', 'main/binary-amd64/Packages.gz',
        'main/binary-amd64/Packages.xz', 'main/binary-amd64/Release', 'main/Contents-amd64.gz']) {
        const rel = `dists/${suite}/${f}`;
        expect(got, rel).toContain(rel);
        expect((await readFile(join(mirror(), 'ubuntu', rel))).equals(await readFile(join(up.archive, rel))), rel).toBe(true);
      }
      expect(got.some((f) => f.startsWith(`dists/${suite}/restricted/`)), 'restricted was not selected').toBe(false);
    }
    const main = up.packages.filter((p) => (p.component ?? 'main') === 'main').map(poolPath).sort();
    expect(got.filter((f) => f.endsWith('.deb'))).toEqual(main);
    // Packages fetched by-hash, as apt does when the Release says Acquire-By-Hash: yes
    expect(server.log.some((l) => /\/main\/binary-amd64\/by-hash\/SHA256\/[0-9a-f]{64}$/.test(l.path))).toBe(true);
  });

  it('is read by apt-get over nginx with the archive key as Signed-By', async () => {
    await cp(mirror(), join(work, 'served-whole'), { recursive: true });
    const root = await aptRoot('whole', `Types: deb\nURIs: ${nginx.url}served-whole/ubuntu/\nSuites: ${SUITES.join(' ')}\n`
      + `Components: main\nSigned-By: ${up.publicKey}\n`);
    const u = await apt(root, ['update']);
    expect(u.code, u.stdout + u.stderr).toBe(0);
    expect(u.stdout + u.stderr).not.toMatch(/^(W|E):/m);
    const i = await apt(root, ['install', '--download-only', '-y', '--no-install-recommends', 'linux-headers-5.15.0-92-generic']);
    expect(i.code, i.stdout + i.stderr).toBe(0);
  });

  it('build serves the suites verbatim beside its own index; apt takes them with the upstream key sync checked', async () => {
    const site = join(work, 'whole-site');
    const b = await cli(['build', '--mirror', mirror(), '--out', site, '--base-url', `${nginx.url}whole-site/`]);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    for (const suite of SUITES) {
      for (const f of ['InRelease', 'Release.gpg', 'main/binary-amd64/Packages.xz']) {
        const rel = `ubuntu/dists/${suite}/${f}`;
        expect((await readFile(join(site, rel))).equals(await readFile(join(up.root, rel))), rel).toBe(true);
      }
    }
    const stanzas = (await readFile(join(site, '_site/repo-files/airgap-mirror.sources'), 'utf8')).split('\n\n');
    const upstream = stanzas.find((t) => t.includes("upstream's own suites"))!;
    expect(upstream, upstream).toContain(`Suites: ${[...SUITES].sort().join(' ')}\nComponents: main\nArchitectures: amd64\nSigned-By:\n -----BEGIN PGP`);
    const root = await aptRoot('whole-site', upstream.replace('Enabled: no\n', ''));
    const picks = await aptPicks(root, ['--no-install-recommends', 'linux-headers-5.15.0-92-generic']);
    expect(picks).toContain('linux-headers-5.15.0-92_5.15.0-92.102_all.deb');
    // an index that no longer matches the files is not served as upstream's; the site's own index still is
    const changed = join(work, 'whole-changed');
    await cp(mirror(), changed, { recursive: true });
    await rm(join(changed, 'ubuntu', poolPath(up.packages.find((p) => p.name === 'kmod')!)));
    const c = await cli(['build', '--mirror', changed, '--out', join(work, 'whole-changed-site')]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/^warning: ubuntu\/dists\/jammy: upstream suite not served as upstream signed it: dists\/jammy\/main\/binary-amd64\/Packages(\.xz|\.gz)? lists pool\/main\/k\/kmod\/kmod_29-1ubuntu1_amd64\.deb, which the mirror does not hold/m);
    const served = await readdir(join(work, 'whole-changed-site/ubuntu/dists'));
    expect(served.sort()).toEqual(['jammy-security', 'jammy-updates', 'stable']);
  }, 120_000);

  it('fetches nothing but the Release files when upstream is unchanged', async () => {
    const before = server.log.length;
    const cfg = join(work, 'whole.yaml');
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror()]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ubuntu\s+up to date/);
    const paths = server.log.slice(before).map((l) => l.path);
    expect(paths.length).toBe(SUITES.length * 3);
    expect(paths.every((p) => /\/(InRelease|Release|Release\.gpg)$/.test(p)), paths.join('\n')).toBe(true);
  });

  it('turned into a closure subset, drops upstream\'s Release files: build then serves its own index only', async () => {
    const subset = join(work, 'whole-to-subset');
    await cp(mirror(), subset, { recursive: true });
    const cfg = await config('to-subset', debRepo('ubuntu', `${server.url}ubuntu/`),
      '  closure:\n    profiles: [nvidia-gpu-driver]\n    kernels: [5.15.0-92-generic]\n');
    const r = await cli(['sync', '--config', cfg, '--mirror', subset, '--delete']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ubuntu: subset of upstream .*upstream indices are not kept/);
    const left = await filesUnder(join(subset, 'ubuntu/dists'));
    expect(left.filter((f) => /(^|\/)(InRelease|Release|Release\.gpg)$/.test(f) && !f.includes('/main/'))).toEqual([]);
    const b = await cli(['build', '--mirror', subset, '--out', join(work, 'whole-to-subset-site')]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).not.toContain('apt-upstream-suite-refused');
    expect(await readdir(join(work, 'whole-to-subset-site/ubuntu/dists'))).toEqual(['stable']);
  });
});

const KV = '5.15.0-91-generic';
const node = (name: string, kernelVersion: string, osImage: string) => ({ metadata: { name },
  status: { nodeInfo: { kernelVersion, osImage, architecture: 'amd64' } } });

/** The .deb files apt-get downloads for `args` in `root` (after update), sorted. */
async function aptPicks(root: string, args: string[]): Promise<string[]> {
  const u = await apt(root, ['update']);
  expect(u.code, u.stdout + u.stderr).toBe(0);
  expect(u.stdout + u.stderr).not.toMatch(/^(W|E):/m);
  const i = await apt(root, ['install', '--download-only', '-y', ...args]);
  expect(i.code, i.stdout + i.stderr).toBe(0);
  return (await readdir(join(root, 'var/cache/apt/archives'))).filter((f) => f.endsWith('.deb')).sort();
}

/** deb822 sources for the full upstream archive, the key inline. */
const upstreamSources = async () => `Types: deb\nURIs: ${server.url}ubuntu/\nSuites: ${SUITES.join(' ')}\n`
  + `Components: main restricted\nSigned-By:\n${(await readFile(up.publicKey, 'utf8')).trim().split('\n')
    .map((l) => ` ${l || '.'}`).join('\n')}\n`;

describe('one sync for a cluster with an Ubuntu pool and an RHCOS pool', () => {
  let mirror: string, site: string, plan: string, synced: Awaited<ReturnType<typeof cli>>;
  const GPU_ROOTS = [`linux-headers-${KV}`, `linux-image-${KV}`, `linux-modules-${KV}`];
  beforeAll(async () => {
    mirror = join(work, 'cluster');
    site = join(work, 'cluster-site');
    const nodes = join(work, 'nodes.json');
    await writeFile(nodes, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
      node('ubuntu-1', KV, 'Ubuntu 22.04.3 LTS'), node('ubuntu-2', KV, 'Ubuntu 22.04.4 LTS'),
      { ...node('worker-x1', `${K1}.x86_64`, 'Red Hat Enterprise Linux CoreOS 416.94.202410211619-0') }] }));
    const sources = join(work, 'ubuntu.sources');
    await writeFile(sources, await upstreamSources());
    const cfg = await config('cluster', ['rhocp', 'baseos'].map((r) => `    - { id: ${r}, baseurl: "${rpmServer.url}${r}/" }\n`)
      .join(''), '  closure:\n    profiles: [dtk, nvidia-gpu-driver]\n');
    const args = ['sync', '--config', cfg, '--sources-file', sources, '--mirror', mirror, '--nodes', nodes];
    const dry = await cli([...args, '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    plan = dry.stdout;
    synced = await cli(args);
    const built = await cli(['build', '--mirror', mirror, '--out', site, '--base-url', `${nginx.url}cluster-site/`]);
    expect(built.code, built.stdout + built.stderr).toBe(0);
  }, 180_000);

  it('plans each pool from its own format: roots, closure size, nothing missing', () => {
    expect(plan).toContain(`  ubuntu22.04-${KV}: kernel ${KV}, amd64, 2 nodes (ubuntu-1, ubuntu-2)`);
    expect(plan).toContain(`  rhcos4.16-${K1}.x86_64: kernel ${K1}.x86_64, x86_64, 1 node (worker-x1)`);
    expect(plan).not.toMatch(/MISSING|UNRESOLVED/);
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);
  });

  it('takes only what the pools need from the apt upstream', async () => {
    const debs = (await filesUnder(mirror)).filter((f) => f.endsWith('.deb')).map((f) => f.split('/').pop()!);
    expect(debs).toContain(`linux-headers-${KV}_5.15.0-91.101_amd64.deb`);
    expect(debs).toContain('linux-headers-5.15.0-91_5.15.0-91.101_all.deb');
    expect(debs.some((d) => /firefox|libreoffice|5\.15\.0-92|5\.15\.0-25/.test(d)), debs.join('\n')).toBe(false);
    expect(debs.length).toBeLessThan(up.packages.length / 2);
  });

  it('apt in the gap installs the GPU driver build\'s packages from the site, the same ones as from upstream', async () => {
    const siteSources = await readFile(join(site, '_site/repo-files/airgap-mirror.sources'), 'utf8');
    const gap = await aptPicks(await aptRoot('gap-gpu', siteSources), ['--no-install-recommends', ...GPU_ROOTS]);
    const full = await aptPicks(await aptRoot('full-gpu', await upstreamSources()), ['--no-install-recommends', ...GPU_ROOTS]);
    expect(gap).toEqual(full);
    // the common headers, the first alternative (signed image, not unsigned), a Pre-Depends met by a virtual package
    for (const want of ['linux-headers-5.15.0-91_', `linux-image-${KV}_`, 'linux-base_', 'debconf_', 'kmod_']) {
      expect(gap.some((f) => f.startsWith(want)), want).toBe(true);
    }
    expect(gap.some((f) => /unsigned|grub/.test(f))).toBe(false);
  }, 120_000);

  it('dnf in the gap installs the RHCOS pool\'s roots from the site alone', async () => {
    const t = kernelTarget(`${K1}.x86_64`);
    const roots = wantedPackages(['dtk', 'nvidia-gpu-driver'], t)
      .map((w) => (w.pinned ? `${w.name}-${t.versionRelease}.${t.arch}` : w.name));
    const root = join(work, 'dnf-root');
    await mkdir(root, { recursive: true });
    const repos = { rhocp: `${nginx.url}cluster-site/rhocp/`, baseos: `${nginx.url}cluster-site/baseos/` };
    const r = await dnf(repos, ['-y', 'install', '--downloadonly', '--downloaddir', join(work, 'dnf-dl'), ...roots],
      { arch: 'x86_64', extra: ['--installroot', root] });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 120_000);
});

describe('a snapshot of the archive (apt\'s snapshot=), for a pool kernel upstream dropped', () => {
  const ID = '20231101T000000Z';
  let snapshotRoot: string;
  beforeAll(async () => {
    // the archive as it was, with kernel 5.15.0-91, kept where the current Release's Snapshots field says
    snapshotRoot = join(up.root, 'snapshots', ID);
    await copyArchive(up, snapshotRoot);
    up.packages = up.packages.filter((p) => !p.name.includes('5.15.0-91'));
    up.releaseFields = `Snapshots: ${server.url}snapshots/@SNAPSHOTID@/\n`;
    await up.republish();
  }, 120_000);
  afterAll(async () => {
    up.packages = archivePackages();
    up.releaseFields = '';
    await up.republish();
    await rm(join(up.root, 'snapshots'), { recursive: true, force: true });
  }, 120_000);
  const closure = () => `  closure:\n    profiles: [nvidia-gpu-driver]\n    kernels: [${KV}]\n`;

  it('takes the pool\'s kernel from the snapshot the current Release names, checked with the same key', async () => {
    const mirror = join(work, 'snapshot-mirror');
    const plain = await cli(['sync', '--config', await config('no-snapshot', debRepo('ubuntu', `${server.url}ubuntu/`),
      closure()), '--mirror', mirror, '--dry-run']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('[closure-kernel-gone]');
    const cfg = await config('snapshot', debRepo('ubuntu', `${server.url}ubuntu/`, `      snapshot: "${ID}"\n`),
      closure());
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout)
      .toContain(`ubuntu: the archive as it was at snapshot ${ID}, read from ${server.url}snapshots/${ID}/`);
    const debs = (await filesUnder(mirror)).filter((f) => f.endsWith('.deb')).map((f) => f.split('/').pop());
    expect(debs).toContain(`linux-headers-${KV}_5.15.0-91.101_amd64.deb`);
    const paths = server.log.map((l) => l.path);
    expect(paths).toContain(`/snapshots/${ID}/dists/jammy-updates/InRelease`);
  }, 120_000);

  it('reads snapshot= from a one-line source; an unknown option value names no snapshot', async () => {
    const list = join(work, 'snapshot.list');
    await writeFile(list, `deb [signed-by=${up.publicKey} snapshot=${ID}] ${server.url}ubuntu/ ${SUITES.join(' ')}`
      + ' main\n'
      + `deb [signed-by=${up.publicKey} snapshot=yes] ${server.url}other/ jammy main\n`);
    const cfg = join(work, 'snapshot-list.yaml');
    await writeFile(cfg, `sync:\n  retries: 0\n  timeout: 5\n${closure()}`);
    const r = await cli(['sync', '--config', cfg, '--sources-file', list, '--mirror', join(work, 'snapshot-list'),
      '--dry-run']);
    expect(r.stdout).toContain(`the archive as it was at snapshot ${ID}, read from ${server.url}snapshots/${ID}/`);
    expect(r.stdout).not.toMatch(/other: the archive as it was/);
  }, 120_000);
});

describe('closure.kernels for Ubuntu pools', () => {
  it('pin amd64 unless an entry names its architecture (`:arm64`); an unknown one is refused', async () => {
    const cfg = async (name: string, kernels: string) => config(name, debRepo('ubuntu', `${server.url}ubuntu/`),
      `  closure:\n    profiles: [nvidia-gpu-driver]\n    kernels: [${kernels}]\n`);
    const mirror = join(work, 'kernel-arch');
    const amd64 = await cli(['sync', '--config', await cfg('k-amd64', '5.15.0-92-generic'), '--mirror', mirror,
      '--dry-run']);
    expect(amd64.code, amd64.stdout + amd64.stderr).toBe(0);
    // the archive has no arm64 kernel: the arm64 pool's roots are named, the amd64 pool of the same kernel is whole
    const both = await cli(['sync', '--config', await cfg('k-both', '5.15.0-92-generic, 5.15.0-92-generic:arm64'),
      '--mirror', mirror, '--dry-run']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: linux-headers-5\.15\.0-92-generic: .*5\.15\.0-92-generic:arm64/m);
    expect(both.stderr).not.toMatch(/^error: .*node pool 5\.15\.0-92-generic[^:]/m);
    expect(both.stdout)
      .toMatch(/^ {2}5\.15\.0-92-generic: kernel 5\.15\.0-92-generic, amd64, .*\n.*closure 9 packages/m);
    expect(both.stdout).toMatch(/^ {2}5\.15\.0-92-generic:arm64: kernel 5\.15\.0-92-generic, arm64, /m);
    const bad = await cli(['sync', '--config', await cfg('k-bad', '5.15.0-92-generic:sparc'), '--mirror', mirror,
      '--dry-run']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('sync.closure.kernels: 5.15.0-92-generic:sparc: architecture sparc not known');
  }, 60_000);
});

describe('the DOCA profile on an Ubuntu pool', () => {
  let mirror: string, site: string, nodes: string, cfg: string, synced: Awaited<ReturnType<typeof cli>>;
  const DOCA_ROOTS = ['pkg-config', `linux-headers-${KV}`, 'gcc-11'];
  beforeAll(async () => {
    mirror = join(work, 'doca');
    site = join(work, 'doca-site');
    nodes = join(work, 'nodes-doca.json');
    await writeFile(nodes, JSON.stringify({ items: [node('ubuntu-1', KV, 'Ubuntu 22.04.3 LTS'),
      node('worker-x1', `${K1}.x86_64`, 'Red Hat Enterprise Linux CoreOS 416.94.202410211619-0')] }));
    cfg = await config('doca', debRepo('ubuntu', `${server.url}ubuntu/`).replace('components: [main]',
      'components: [main, restricted]'), '  closure:\n    profiles: [doca-driver]\n');
    synced = await cli(['sync', '--config', cfg, '--mirror', mirror, '--nodes', nodes]);
    const built = await cli(['build', '--mirror', mirror, '--out', site, '--base-url', `${nginx.url}doca-site/`]);
    expect(built.code, built.stdout + built.stderr).toBe(0);
  }, 180_000);

  it('follows Recommends, takes gcc-<major> of the kernel and linux-modules-extra; says the RHCOS pool gets nothing', async () => {
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);
    expect(synced.stderr).toContain(`rhcos4.16-${K1}.x86_64: no RPM repo takes part in the closure`);
    const debs = (await filesUnder(mirror)).map((f) => f.split('/').pop()!);
    for (const f of ['gcc-11_11.4.0-1ubuntu1~22.04_amd64.deb', `linux-modules-extra-${KV}_5.15.0-91.101_amd64.deb`,
      'musl-dev_1.2.2-4_amd64.deb']) expect(debs).toContain(f);
    expect(debs.some((f) => f.startsWith('gcc-12') || f.includes('nvidia'))).toBe(false);
  });

  it('apt in the gap installs what the DOCA build installs (with Recommends), the same as from upstream', async () => {
    const siteSources = await readFile(join(site, '_site/repo-files/airgap-mirror.sources'), 'utf8');
    const gap = await aptPicks(await aptRoot('gap-doca', siteSources), DOCA_ROOTS);
    const full = await aptPicks(await aptRoot('full-doca', await upstreamSources()), DOCA_ROOTS);
    expect(gap).toEqual(full);
    // a virtual package behind a missing first alternative, a versioned Provides, perl:any (Multi-Arch: allowed)
    for (const want of ['musl-dev_', 'binutils-x86-64-linux-gnu_', 'perl_', 'cpp-11_']) {
      expect(gap.some((f) => f.startsWith(want)), want).toBe(true);
    }
    expect(gap.some((f) => f.startsWith('binutils-old_'))).toBe(false);
  }, 120_000);

  it('keeps a pool kernel upstream dropped; names a kernel neither upstream nor the mirror has', async () => {
    const dropped = up.packages;
    up.packages = dropped.filter((p) => !p.name.includes('5.15.0-91'));
    await up.republish();
    try {
      const r = await cli(['sync', '--config', cfg, '--mirror', mirror, '--nodes', nodes, '--delete']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^warning: .*linux-headers-${KV}_5\\.15\\.0-91\\.101_amd64\\.deb: no longer upstream `
        + `but needed by node pool ubuntu22\\.04-${KV}: kept`, 'm'));
      expect(r.stdout).toMatch(/kept: upstream no longer has them/);
      const debs = (await filesUnder(mirror)).filter((f) => f.endsWith('.deb'));
      expect(debs.filter((f) => f.includes('5.15.0-91')).map((f) => f.split('/').pop()!.split('_')[0]).sort()).toEqual([
        'linux-headers-5.15.0-91', `linux-headers-${KV}`, `linux-image-${KV}`, `linux-modules-${KV}`,
        `linux-modules-extra-${KV}`]);
      const old = join(work, 'nodes-old.json');
      await writeFile(old, JSON.stringify({ items: [node('ubuntu-old', '5.15.0-70-generic', 'Ubuntu 22.04.2 LTS')] }));
      const gone = await cli(['sync', '--config', cfg, '--mirror', mirror, '--nodes', old, '--dry-run']);
      expect(gone.code).toBe(2);
      expect(gone.stderr).toMatch(/^error: linux-headers-5\.15\.0-70-generic: is a package of the kernel 5\.15\.0-70-generic .*neither upstream nor the mirror has it/m);
      expect(gone.stderr).toContain('snapshot.ubuntu.com');
    } finally {
      up.packages = dropped;
      await up.republish();
    }
  }, 120_000);
});
