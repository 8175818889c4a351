/**
 * apt sync under faults (issue 27), against the Ubuntu-shaped archive of tests/helpers/apt-upstream.ts
 * copied per case and altered for real (bytes changed after signing, signed by another gpg key,
 * Release files re-signed with an expired Valid-Until or without a strong hash), served by the
 * fault server (403, 500, cut connections, stalls). Each refusal names the URL, writes nothing of
 * the repo where apt or a user would trust it, and the exit code says so; the plan, lockfile replay
 * and `--delete` keep to the repo's path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { run } from '../helpers/run.ts';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.ts';
import { copyArchive, makeAptArchive, poolPath, SUITES, type AptArchive } from '../helpers/apt-upstream.ts';
import { makeCerts } from '../helpers/upstream.ts';
import { startNginxServers } from '../helpers/nginx.ts';

let up: AptArchive, server: FaultServer, work: string;

beforeAll(async () => {
  up = await makeAptArchive();
  server = await startFaultServer(up.root);
  work = await mkdtemp(join(tmpdir(), 'airgap-apt-faults-'));
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await up?.remove();
  await rm(work, { recursive: true, force: true });
});

/** A copy of the archive at `<server root>/<name>/`, for one case to alter. */
async function archiveCopy(name: string): Promise<string> {
  const dir = join(up.root, name);
  await copyArchive(up, dir);
  return dir;
}

/** Runs sync of the archive copy `name` into a fresh mirror; `extra` adds YAML lines to the repo. */
async function syncCopy(name: string, args: string[] = [], o: { extra?: string; timeout?: number; mirror?: string } = {}) {
  const mirror = o.mirror ?? join(work, `m-${name}`);
  const cfg = join(work, `${name}.yaml`);
  await writeFile(cfg, `sync:\n  retries: 0\n  timeout: ${o.timeout ?? 5}\n  repos:\n    - id: ubuntu\n      type: deb\n`
    + `      uris: ["${server.url}${name}/"]\n      suites: [${SUITES.join(', ')}]\n      components: [main]\n`
    + `      signedBy: ["${up.publicKey}"]\n${o.extra ?? ''}`);
  return { mirror, cfg, r: await cli(['sync', '--config', cfg, '--mirror', mirror, ...args]) };
}

/** Files of `dir` outside sync's own dot directory (what apt, build or a user would see). */
const visible = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []))
  .filter((f) => f.isFile()).map((f) => join(f.parentPath, f.name).slice(dir.length + 1))
  .filter((f) => !f.startsWith('.airgap-mirror-sync')).sort();

/** Rewrites a suite's Release with `edit`, then signs it again (InRelease and Release.gpg) with `env`'s key. */
async function resign(archive: string, suite: string, edit: (release: string) => string, env = up.env): Promise<void> {
  const dist = join(archive, 'dists', suite);
  await writeFile(join(dist, 'Release'), edit(await readFile(join(dist, 'Release'), 'utf8')));
  for (const args of [['--clearsign', '-o', join(dist, 'InRelease')], ['-abs', '-o', join(dist, 'Release.gpg')]]) {
    const r = await run('gpg', ['--batch', '--yes', ...args, join(dist, 'Release')], { env });
    expect(r.code, r.stderr).toBe(0);
  }
}

describe('a Release that cannot be trusted refuses the repo, nothing of it written', () => {
  it('an InRelease changed after signing', async () => {
    const a = await archiveCopy('tampered');
    const f = join(a, 'dists/jammy-updates/InRelease');
    const text = await readFile(f, 'utf8');
    await writeFile(f, text.replace(/^( [0-9a-f]{63})([0-9a-f])/m, (_, head: string, c: string) => head + (c === '0' ? '1' : '0')));
    const { mirror, r } = await syncCopy('tampered');
    expect(r.code).toBe(2);
    expect(r.stderr, r.stderr).toMatch(/^error: http:\S+\/tampered\/dists\/jammy-updates\/InRelease: InRelease does not verify: it was altered after signing; repo not synced, nothing of it written \[sync-repo-signature\]/m);
    expect(await visible(join(mirror, 'ubuntu'))).toEqual([]);
  });

  it('an InRelease signed by a key that is not the Signed-By key', async () => {
    const a = await archiveCopy('otherkey');
    const gnupg = join(work, 'other-gnupg');
    await mkdir(gnupg, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: gnupg };
    const k = await run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Other <o@example.invalid>', 'ed25519', 'sign', '1d'], { env });
    expect(k.code, k.stderr).toBe(0);
    await resign(a, 'jammy', (t) => t, env);
    const { mirror, r } = await syncCopy('otherkey');
    expect(r.code).toBe(2);
    expect(r.stderr, r.stderr).toMatch(/otherkey\/dists\/jammy\/InRelease: (InRelease|Release\.gpg) is signed by [0-9a-f]{16}, which is not among the Signed-By keys/);
    expect(await visible(join(mirror, 'ubuntu'))).toEqual([]);
  });

  it('a suite with neither InRelease nor Release.gpg', async () => {
    const a = await archiveCopy('unsigned');
    await rm(join(a, 'dists/jammy-security/InRelease'));
    await rm(join(a, 'dists/jammy-security/Release.gpg'));
    const { r } = await syncCopy('unsigned');
    expect(r.code).toBe(2);
    expect(r.stderr, r.stderr).toMatch(/jammy-security\/InRelease: the suite has no InRelease and no \S+Release\.gpg: it is unsigned/);
  });

  it('a Release with only MD5Sum, and one whose Valid-Until has passed', async () => {
    const a = await archiveCopy('weak');
    await resign(a, 'jammy', (t) => t.replace(/^SHA256:\n( .*\n)+/m, '').replace(/^SHA512:\n( .*\n)+/m, ''));
    const weak = await syncCopy('weak');
    expect(weak.r.code).toBe(2);
    expect(weak.r.stderr, weak.r.stderr).toMatch(/weak\/dists\/jammy\/InRelease: the apt repository cannot be used \(the Release has no SHA256 or SHA512 list/);
    const b = await archiveCopy('expired');
    await resign(b, 'jammy-updates', (t) => t.replace(/^Date: .*$/m, (d) => `${d}\nValid-Until: Sat, 01 Jan 2022 00:00:00 UTC`));
    const expired = await syncCopy('expired');
    expect(expired.r.code).toBe(2);
    expect(expired.r.stderr, expired.r.stderr).toMatch(/expired\/dists\/jammy-updates\/InRelease: .*the Release expired on 2022-01-01/);
    expect(await visible(join(expired.mirror, 'ubuntu'))).toEqual([]);
    // apt's check-valid-until=no (an old snapshot's security pocket): taken, the signature still checked
    const allowed = await syncCopy('expired', ['--dry-run'], { extra: '      checkValidUntil: false\n',
      mirror: join(work, 'm-expired-allowed') });
    expect(allowed.r.code, allowed.r.stderr).toBe(0);
    expect(allowed.r.stdout).toMatch(/ubuntu\s+planned\s+whole\s+\d+ to fetch/);
  });

  it('a Packages index that differs from what the Release says', async () => {
    const a = await archiveCopy('badindex');
    const dir = join(a, 'dists/jammy-updates/main/binary-amd64');
    const old = await readFile(join(dir, 'Packages.xz'));
    const forged = Buffer.from(old);
    forged[forged.length >> 1]! ^= 0xff;
    await writeFile(join(dir, 'Packages.xz'), forged);
    await writeFile(join(dir, 'by-hash/SHA256', createHash('sha256').update(old).digest('hex')), forged);
    const { mirror, r } = await syncCopy('badindex');
    expect(r.code).toBe(2);
    expect(r.stderr, r.stderr).toMatch(/^error: http:\S+badindex\/dists\/jammy-updates\/main\/binary-amd64\/by-hash\/SHA256\/[0-9a-f]{64}: sha256 is [0-9a-f]{64}, upstream's index says [0-9a-f]{64}; the bytes were not kept \[sync-checksum-mismatch\]/m);
    expect(await visible(join(mirror, 'ubuntu'))).toEqual([]);
  });
});

describe('package transfers', () => {
  const deb = () => up.packages.find((p) => p.name === 'kmod')!;

  it('indices fall back to their plain names when by-hash copies are absent, as apt falls back', async () => {
    const a = await archiveCopy('nobyhash');
    for (const suite of SUITES) await rm(join(a, 'dists', suite, 'main/binary-amd64/by-hash'), { recursive: true });
    const before = server.log.length;
    const { r } = await syncCopy('nobyhash');
    expect(r.code, r.stderr).toBe(0);
    const asked = server.log.slice(before).map((l) => `${l.status} ${l.path}`);
    expect(asked.filter((l) => /^404 .*\/by-hash\/SHA256\//.test(l))).toHaveLength(SUITES.length);
    expect(asked).toContain('200 /nobyhash/dists/jammy/main/binary-amd64/Packages.xz');
  });

  it('a .deb that differs from its Packages entry is not kept; the rest are; a rerun fetches it', async () => {
    await archiveCopy('baddeb');
    const path = `/baddeb/${poolPath(deb())}`;
    server.faults.set(path, { kind: 'corrupt' });
    const first = await syncCopy('baddeb');
    expect(first.r.code).toBe(2);
    expect(first.r.stderr, first.r.stderr).toMatch(new RegExp(`^error: http:\\S+${path.replace(/[.+]/g, '\\$&')}: sha256 is [0-9a-f]{64}, `
      + "upstream's index says [0-9a-f]{64}; the bytes were not kept \\[sync-checksum-mismatch\\]", 'm'));
    const files = await visible(join(first.mirror, 'ubuntu'));
    expect(files).not.toContain(poolPath(deb()));
    expect(files.some((f) => f.endsWith('.part'))).toBe(false);
    expect(files.filter((f) => f.endsWith('.deb')).length).toBeGreaterThan(10);
    server.faults.delete(path);
    const again = await syncCopy('baddeb', [], { mirror: first.mirror });
    expect(again.r.code, again.r.stderr).toBe(0);
    expect(again.r.stdout).toMatch(/ubuntu\s+synced\s+whole\s+1 fetched/);
  });

  it.each([[403, 'sync-forbidden'], [500, 'sync-http-error']])('HTTP %i on InRelease fails the repo with one line', async (status, code) => {
    await archiveCopy(`status${status}`);
    server.faults.set(`/status${status}/dists/jammy/InRelease`, { kind: 'status', status });
    const { mirror, r } = await syncCopy(`status${status}`);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l.includes(`[${code}]`))).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await visible(join(mirror, 'ubuntu'))).toEqual([]);
  });

  it('behind TLS with a client certificate (as the Red Hat CDN wants): the repo\'s CA and key pair are used', async () => {
    const certsDir = join(work, 'certs');
    await mkdir(certsDir, { recursive: true });
    const certs = await makeCerts(certsDir);
    const [tls] = await startNginxServers((ports) => `server { listen 127.0.0.1:${ports[0]} ssl;
      ssl_certificate ${certs.serverCert}; ssl_certificate_key ${certs.serverKey};
      ssl_client_certificate ${certs.ca}; ssl_verify_client optional;
      location / { root ${up.root}; if ($ssl_client_verify != SUCCESS) { return 403; } } }`);
    try {
      const url = `${tls!.url.replace('http:', 'https:')}ubuntu/`;
      const repo = (extra: string) => `sync:\n  retries: 0\n  repos:\n    - { id: ubuntu, type: deb, uris: ["${url}"], `
        + `suites: [jammy], components: [main], signedBy: ["${up.publicKey}"], sslcacert: "${certs.ca}"${extra} }\n`;
      const cfg = join(work, 'tls.yaml');
      await writeFile(cfg, repo(''));
      const refused = await cli(['sync', '--config', cfg, '--mirror', join(work, 'm-tls-none')]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`error: ${url}dists/jammy/InRelease: HTTP 403`);
      await writeFile(cfg, repo(`, sslclientcert: "${certs.clientCert}", sslclientkey: "${certs.clientKey}"`));
      const ok = await cli(['sync', '--config', cfg, '--mirror', join(work, 'm-tls')]);
      expect(ok.code, ok.stderr).toBe(0);
      expect((await visible(join(work, 'm-tls/ubuntu'))).filter((f) => f.endsWith('.deb')).length).toBeGreaterThan(10);
    } finally {
      await tls?.stop();
    }
  });

  it('a cut transfer is resumed with Range by the next run; a stalled server times out', async () => {
    await archiveCopy('cut');
    const path = `/cut/${poolPath(deb())}`;
    server.faults.set(path, { kind: 'cut', afterBytes: 300, times: 1 });
    const first = await syncCopy('cut');
    expect(first.r.code).toBe(2);
    expect(await readFile(join(first.mirror, 'ubuntu', `${poolPath(deb())}.part`))).toHaveLength(300);
    const again = await syncCopy('cut', [], { mirror: first.mirror });
    expect(again.r.code, again.r.stderr).toBe(0);
    expect(server.log.some((l) => l.path === path && l.range === 'bytes=300-' && l.status === 206)).toBe(true);
    await archiveCopy('stall');
    server.faults.set('/stall/dists/jammy/InRelease', { kind: 'stall', ms: 3000 });
    const stalled = await syncCopy('stall', [], { timeout: 1 });
    expect(stalled.r.code).toBe(2);
    expect(stalled.r.stderr, stalled.r.stderr).toMatch(/stall\/dists\/jammy\/InRelease: .*\[sync-timeout\]/m);
  });
});

describe('plan, lockfile and --delete', () => {
  it('--dry-run gives sizes and free disk and writes nothing', async () => {
    await archiveCopy('plan');
    const { mirror, r } = await syncCopy('plan', ['--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ubuntu\s+planned\s+whole\s+\d\d to fetch \(\d+(\.\d)? KB\)/);
    expect(r.stdout).toMatch(/^Disk: .* to fetch, .* free\.$/m);
    expect(await readdir(mirror).catch(() => 'absent')).toBe('absent');
  });

  it('--lock then --from-lock fetches exactly the locked packages', async () => {
    await archiveCopy('locked');
    const lock = join(work, 'apt.lock.json');
    const planned = await syncCopy('locked', ['--dry-run', '--lock', lock]);
    expect(planned.r.code, planned.r.stderr).toBe(0);
    const locked = JSON.parse(await readFile(lock, 'utf8'));
    const entries = locked.repos[0].packages as { location: string; checksumType: string; nevra: string }[];
    expect(entries.every((e) => e.checksumType === 'sha256' && /_/.test(e.nevra))).toBe(true);
    const replay = await syncCopy('locked', ['--from-lock', lock]);
    expect(replay.r.code, replay.r.stderr).toBe(0);
    const debs = (await visible(join(replay.mirror, 'ubuntu'))).filter((f) => f.endsWith('.deb'));
    expect(debs).toEqual(entries.map((e) => e.location).sort());
    // the suites are in the config, not the lockfile: a replay without it says so
    const bare = await cli(['sync', '--mirror', join(work, 'm-bare'), '--from-lock', lock]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain("the lockfile's repo ubuntu is an apt repo: give --config with its sync.repos entry");
  });

  it('a flat repository (deb URI ./) is synced with its signed Release kept', async () => {
    const flat = join(up.root, 'flat');
    await mkdir(flat, { recursive: true });
    for (const p of up.packages.filter((x) => ['kmod', 'libc6', 'pkg-config'].includes(x.name))) {
      await writeFile(join(flat, poolPath(p).split('/').pop()!), await readFile(join(up.archive, poolPath(p))));
    }
    // a Release that lists itself, as `apt-ftparchive release . > Release` writes it: sync keeps the verified one
    const sh = 'apt-ftparchive packages . > Packages && gzip -9nk Packages && apt-ftparchive release . > Release';
    expect((await run('sh', ['-c', sh], { cwd: flat })).code).toBe(0);
    for (const args of [['--clearsign', '-o', 'InRelease'], ['-abs', '-o', 'Release.gpg']]) {
      expect((await run('gpg', ['--batch', '--yes', ...args, 'Release'], { cwd: flat, env: up.env })).code).toBe(0);
    }
    const mirror = join(work, 'm-flat');
    const cfg = join(work, 'flat.yaml');
    await writeFile(cfg, `sync:\n  retries: 0\n  repos:\n    - { id: flat, type: deb, uris: ["${server.url}flat/"], `
      + `suites: [./], signedBy: ["${up.publicKey}"] }\n`);
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const got = await visible(join(mirror, 'flat'));
    expect(got.filter((f) => f.endsWith('.deb'))).toHaveLength(4);
    for (const f of ['InRelease', 'Release', 'Release.gpg', 'Packages', 'Packages.gz']) {
      expect((await readFile(join(mirror, 'flat', f))).equals(await readFile(join(flat, f))), f).toBe(true);
    }
  });

  it('--delete removes stray packages inside the repo path only', async () => {
    await archiveCopy('del');
    const { mirror, cfg } = await syncCopy('del');
    const stray = join(mirror, 'ubuntu/pool/main/o/old/old_1.0_amd64.deb');
    const beside = join(mirror, 'other/keep_1.0_amd64.deb');
    for (const f of [stray, beside]) {
      await mkdir(join(f, '..'), { recursive: true });
      await writeFile(f, 'x');
    }
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror, '--delete']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('delete: ubuntu/pool/main/o/old/old_1.0_amd64.deb');
    expect(await readFile(stray).catch(() => 'gone')).toBe('gone');
    expect(await readFile(beside, 'utf8')).toBe('x');
  });
});
