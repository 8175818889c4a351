/**
 * Sync under real faults, injected by a small node server on 127.0.0.1 in front of an upstream
 * made by createrepo_c (tests/helpers/fault-server.ts): retried 500s, a connection cut
 * mid-file (resumed with Range), bytes that do not match the repodata, a stalled server past
 * the timeout, `kill -9` mid-run then a rerun, two runs at once, and a full disk (a tmpfs).
 * No partial or wrong file ever sits at a final path.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cli, ROOT } from '../helpers/cli.ts';
import { run } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.ts';
import { makeUpstream, type Upstream } from '../helpers/upstream.ts';

let up: Upstream;
let server: FaultServer;
let work: string;
let cfg: string;
const PKG = '/rhocp/Packages/kernel-devel-5.14.0-427.87.1.el9_4.aarch64.rpm';
const names = () => readdir(join(up.root, 'rhocp/Packages'));

beforeAll(async () => {
  up = await makeUpstream();
  server = await startFaultServer(up.root);
  work = await mkdtemp(join(tmpdir(), 'airgap-faults-'));
  cfg = join(work, 'sync.yaml');
  await writeFile(cfg, `sync:\n  retries: 3\n  repos:\n    - { id: rhocp, baseurl: "${server.url}rhocp/", path: rhocp }\n`);
});
afterAll(async () => {
  await server?.stop();
  await up?.cleanup();
  await rm(work, { recursive: true, force: true });
});
beforeEach(() => {
  server.faults.clear();
  server.log.length = 0;
});

/** Every file under `dir`, relative, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []))
    .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

/** Asserts every package under mirror/rhocp equals upstream's and no `.part` is left anywhere. */
async function expectExactPackages(mirror: string, expected: string[]): Promise<void> {
  expect((await readdir(join(mirror, 'rhocp/Packages'))).sort()).toEqual(expected.sort());
  for (const n of expected) {
    expect((await readFile(join(mirror, 'rhocp/Packages', n))).equals(await readFile(join(up.root, 'rhocp/Packages', n))), n).toBe(true);
  }
  expect((await filesUnder(mirror)).filter((f) => f.endsWith('.part'))).toEqual([]);
}

const sync = (mirror: string, extra: string[] = []) => cli(['sync', '--config', cfg, '--mirror', mirror, ...extra]);
const requestsFor = (path: string) => server.log.filter((r) => r.path === path);

describe('sync under faults', () => {
  it('retries a 500 twice, then takes the file', async () => {
    server.faults.set(PKG, { kind: 'status', status: 500, times: 2 });
    const mirror = join(work, 'retry');
    const r = await sync(mirror);
    expect(r.code, r.stderr).toBe(0);
    expect(requestsFor(PKG).map((x) => x.status)).toEqual([500, 500, 200]);
    await expectExactPackages(mirror, await names());
  });

  it('resumes a file cut mid-transfer with a Range request', async () => {
    server.faults.set(PKG, { kind: 'cut', afterBytes: 4000, times: 1 });
    const mirror = join(work, 'resume');
    const r = await sync(mirror);
    expect(r.code, r.stderr).toBe(0);
    expect(requestsFor(PKG)).toEqual([{ path: PKG, status: 200 }, { path: PKG, range: 'bytes=4000-', status: 206 }]);
    await expectExactPackages(mirror, await names());
  });

  it('names bytes that do not match the repodata checksum, keeps nothing of them, exit 2', async () => {
    server.faults.set(PKG, { kind: 'corrupt' });
    const mirror = join(work, 'corrupt');
    const r = await sync(mirror);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`error: ${server.url}rhocp/Packages/kernel-devel-5\\.14\\.0-427\\.87\\.1\\.el9_4\\.aarch64\\.rpm: sha256 is [0-9a-f]{64}, upstream's index says [0-9a-f]{64}; the bytes were not kept \\[sync-checksum-mismatch\\]`));
    await expectExactPackages(mirror, (await names()).filter((n) => !n.startsWith('kernel-devel-')));
    expect(r.stdout).toMatch(/rhocp\s+partial\s+whole\s+5 fetched .* 1 failed/);
    // the next run, with upstream mended, fetches only the missing file
    server.faults.clear();
    server.log.length = 0;
    const again = await sync(mirror);
    expect(again.code, again.stderr).toBe(0);
    expect(server.log.filter((x) => x.path.endsWith('.rpm')).map((x) => x.path)).toEqual([PKG]);
    await expectExactPackages(mirror, await names());
  });

  it('gives up on a server that stalls past the timeout, naming the file; the rest is fetched', async () => {
    server.faults.set(PKG, { kind: 'stall', ms: 2500 });
    await writeFile(join(work, 'slow.yaml'), `sync:\n  retries: 1\n  timeout: 1\n  repos:\n    - { id: rhocp, baseurl: "${server.url}rhocp/", path: rhocp }\n`);
    const mirror = join(work, 'slow');
    const r = await cli(['sync', '--config', join(work, 'slow.yaml'), '--mirror', mirror]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/kernel-devel-.*\.rpm: no data within the timeout \(UND_ERR_HEADERS_TIMEOUT\), still failing after the retries \[sync-timeout\]/);
    expect(requestsFor(PKG)).toHaveLength(2);
    await expectExactPackages(mirror, (await names()).filter((n) => !n.startsWith('kernel-devel-')));
  });

  it('names a .part that is a directory or a link out of the tree, writes nothing through it, and goes on', async () => {
    const mirror = join(work, 'planted');
    const pkgDir = join(mirror, 'rhocp/Packages');
    await mkdir(join(pkgDir, 'kernel-devel-5.14.0-427.87.1.el9_4.aarch64.rpm.part'), { recursive: true });
    const outside = join(work, 'outside.txt');
    await writeFile(outside, 'keep me\n');
    await symlink(outside, join(pkgDir, 'kernel-core-5.14.0-427.87.1.el9_4.aarch64.rpm.part'));
    const started = Date.now();
    const r = await sync(mirror);
    expect(r.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(15_000); // no connection left waiting on an unread body
    expect(r.stderr).toMatch(/kernel-devel-.*\.rpm: cannot write the file \(.*kernel-devel-.*\.rpm\.part is not a regular file; remove it\)/);
    expect(r.stderr).toMatch(/kernel-core-.*\.rpm: cannot write the file/);
    expect(await readFile(outside, 'utf8')).toBe('keep me\n');
    const fetched = (await readdir(pkgDir)).filter((f) => f.endsWith('.rpm')).sort();
    expect(fetched).toEqual((await names()).filter((n) => !/^kernel-(devel|core)-/.test(n)).sort());
  });

  it('survives kill -9 mid-run: the rerun completes, resumes the partial file and re-fetches nothing complete', async () => {
    const all = (await names()).sort();
    for (const n of all) server.faults.set(`/rhocp/Packages/${n}`, { kind: 'throttle', bytesPerSecond: 4000 });
    const mirror = join(work, 'killed');
    const child = spawn(process.execPath, [BIN, 'sync', '--config', cfg, '--mirror', mirror, '--jobs', '1'], { cwd: ROOT, stdio: 'ignore' });
    const pkgDir = join(mirror, 'rhocp/Packages');
    await waitFor('a finished package and a started .part', mirror, async () => {
      const files = await readdir(pkgDir).catch(() => [] as string[]);
      const part = files.find((f) => f.endsWith('.part'));
      const partSize = part ? (await stat(join(pkgDir, part)).catch(() => ({ size: 0 }))).size : 0;
      return files.some((f) => f.endsWith('.rpm')) && partSize > 0;
    }, { recursive: true });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = await readdir(pkgDir);
    const complete = before.filter((f) => f.endsWith('.rpm'));
    const partial = before.filter((f) => f.endsWith('.part')).map((f) => f.slice(0, -5));
    expect(complete.length).toBeGreaterThan(0);
    expect(partial.length).toBe(1);
    for (const n of complete) {
      expect((await readFile(join(pkgDir, n))).equals(await readFile(join(up.root, 'rhocp/Packages', n))), n).toBe(true);
    }
    server.faults.clear();
    server.log.length = 0;
    const r = await sync(mirror);
    expect(r.code, r.stderr).toBe(0);
    const fetched = server.log.filter((x) => x.path.endsWith('.rpm'));
    for (const n of complete) expect(fetched.map((x) => x.path)).not.toContain(`/rhocp/Packages/${n}`);
    expect(fetched.find((x) => x.path === `/rhocp/Packages/${partial[0]}`)?.range).toMatch(/^bytes=[1-9]\d*-$/);
    await expectExactPackages(mirror, all);
  });

  it('refuses a second run on the same repo while the first runs, and the first completes', async () => {
    for (const n of await names()) server.faults.set(`/rhocp/Packages/${n}`, { kind: 'throttle', bytesPerSecond: 20000 });
    const mirror = join(work, 'twice');
    const first = sync(mirror, ['--jobs', '1']);
    await waitFor('the first run\'s lock', mirror,
      () => stat(join(mirror, 'rhocp/.airgap-mirror-sync/lock.owner.json')).then(() => true, () => false), { recursive: true });
    const second = await sync(mirror);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/another sync holds .*rhocp\/\.airgap-mirror-sync\/lock; repo not synced \[sync-busy\]/);
    const r = await first;
    expect(r.code, r.stderr).toBe(0);
    await expectExactPackages(mirror, await names());
  });
});

describe('a full disk', () => {
  let mnt: string;
  let mounted = false;
  beforeAll(async () => {
    mnt = await mkdtemp(join(tmpdir(), 'airgap-tmpfs-'));
    const r = await run('mount', ['-t', 'tmpfs', '-o', 'size=24k', 'tmpfs', mnt]);
    mounted = r.code === 0;
    expect(r.code, `mount a small tmpfs (these tests need root, as CI runs): ${r.stderr}`).toBe(0);
  });
  afterAll(async () => {
    if (mounted) await run('umount', [mnt]);
    await rm(mnt, { recursive: true, force: true });
  });

  it('refuses to start a plan that does not fit, unless --force; then names each file it cannot write, exit 2', async () => {
    const mirror = join(mnt, 'mirror');
    await mkdir(mirror);
    const r = await sync(mirror);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Not started: the plan does not fit on the disk/);
    expect((await filesUnder(mirror)).filter((f) => !f.startsWith('rhocp/.airgap-mirror-sync/'))).toEqual([]);
    const forced = await sync(mirror, ['--force', '--jobs', '1']);
    expect(forced.code).toBe(2);
    expect(forced.stderr).toMatch(/\.rpm: cannot write the file \(ENOSPC: no space left on device/);
    const kept = (await filesUnder(mirror)).filter((f) => f.endsWith('.rpm'));
    for (const f of kept) expect((await readFile(join(mirror, f))).equals(await readFile(join(up.root, f)))).toBe(true);
    expect(kept.length).toBeLessThan((await names()).length);
  });
});
