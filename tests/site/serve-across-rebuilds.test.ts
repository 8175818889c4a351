/**
 * A served site stays served across rebuilds, as the serve runbook sets it up: the directory
 * holding `--out` bind-mounted (`mount --bind`, as podman's `-v` does) and a real nginx reading
 * `--out` through the mount. Every request during and after each build is answered from a whole
 * site; a `kill -9` before any step of the swap leaves a whole site at `--out` that the next
 * build takes over; a plain-directory `--out` (an older layout) is switched too; a `--out` that is
 * a mount point is refused with one line saying what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cli, ROOT } from '../helpers/cli.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { run } from '../helpers/run.ts';
import { writeStandInRpm } from '../helpers/stand-in-rpm.ts';

let base: string, mirror: string;
const mounts: string[] = [];
const servers: Nginx[] = [];
const dir = (name: string) => join(base, name);

/** Runs `cmd`, failing the test loudly with its output when it fails (CI runs as root, so mount works). */
async function must(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr} (these tests need root)`);
}

/** Bind-mounts `from` at `to` and serves `to/html` with nginx; returns the server. */
async function serveThroughBindMount(from: string, to: string): Promise<Nginx> {
  await mkdir(to, { recursive: true });
  await must('mount', ['--bind', from, to]);
  mounts.push(to);
  const server = await startNginx(join(to, 'html'));
  servers.push(server);
  return server;
}

/** Adds stand-in package number `n` to the mirror's `tools` repo. */
const addPackage = (n: number) => writeStandInRpm(join(mirror, 'tools/Packages'), { name: `tool-${n}` });

/** The served repomd.xml and the one at `out` on disk. */
async function servedAndOnDisk(server: Nginx, out: string): Promise<[string, string]> {
  const res = await fetch(`${server.url}tools/repodata/repomd.xml`);
  expect(res.status).toBe(200);
  return [await res.text(), await readFile(join(out, 'tools/repodata/repomd.xml'), 'utf8')];
}

/**
 * Runs a build while requesting the served site over and over; resolves with the build's result
 * and the statuses of every request made while it ran (each must be 200: a whole site).
 */
async function buildWhileServed(server: Nginx, out: string): Promise<{ code: number | null; statuses: number[] }> {
  const child = spawn(process.execPath, [BIN, 'build', '--mirror', mirror, '--out', out], { cwd: ROOT, stdio: 'ignore' });
  let running = true;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => { running = false; r(code); }));
  const statuses: number[] = [];
  while (running) {
    for (const path of ['tools/repodata/repomd.xml', 'index.html']) statuses.push((await fetch(`${server.url}${path}`)).status);
  }
  return { code: await exited, statuses };
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-serve-'));
  mirror = dir('mirror');
  for (const n of [1, 2, 3]) await addPackage(n);
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const m of mounts.reverse()) await run('umount', [m]);
  await rm(base, { recursive: true, force: true });
});

describe('serving across rebuilds', () => {
  it('nginx reading --out through a bind mount serves each new site without a restart, never a gap', async () => {
    const srv = dir('srv'), out = join(srv, 'html');
    await mkdir(srv);
    expect((await cli(['build', '--mirror', mirror, '--out', out])).code).toBe(0);
    const server = await serveThroughBindMount(srv, dir('www'));
    const [first] = await servedAndOnDisk(server, out);
    for (const n of [4, 5]) {
      await addPackage(n);
      const { code, statuses } = await buildWhileServed(server, out);
      expect(code).toBe(0);
      expect(statuses.length).toBeGreaterThan(10);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      const [served, onDisk] = await servedAndOnDisk(server, out);
      expect(served).toBe(onDisk);
      expect(served).not.toBe(first);
      expect(await (await fetch(`${server.url}tools/Packages/tool-${n}-1.0-1.el9.noarch.rpm`)).status).toBe(200);
    }
    expect((await readdir(srv)).filter((n) => /^\.html\.(site|partial|old|link)-\d/.test(n))).toEqual([await readlink(out)]);
  });

  it('a plain directory --out (an older layout) served through a bind mount is switched to the link with no gap', async () => {
    const srv = dir('srv-plain'), out = join(srv, 'html');
    expect((await cli(['build', '--mirror', mirror, '--out', dir('made-elsewhere')])).code).toBe(0);
    await cp(await realpath(dir('made-elsewhere')), out, { recursive: true });
    expect((await stat(out)).isDirectory()).toBe(true);
    const server = await serveThroughBindMount(srv, dir('www-plain'));
    await addPackage(6);
    const { code, statuses } = await buildWhileServed(server, out);
    expect(code).toBe(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await readlink(out)).toMatch(/^\.html\.site-\d+-\d+$/);
    const [served, onDisk] = await servedAndOnDisk(server, out);
    expect(served).toBe(onDisk);
    expect(await (await fetch(`${server.url}tools/Packages/tool-6-1.0-1.el9.noarch.rpm`)).status).toBe(200);
  });

  it.each([1, 2, 3, 4])('kill -9 before swap step %i leaves a whole site at --out; the next build cleans up', async (step) => {
    for (const layout of ['link', 'directory']) {
      const srv = dir(`kill-${step}-${layout}`), out = join(srv, 'html');
      const build = ['build', '--mirror', mirror, '--repodata-only', '--out']; // the swap is the same with pages
      expect((await cli([...build, join(srv, 'first')])).code).toBe(0);
      if (layout === 'directory') await cp(await realpath(join(srv, 'first')), out, { recursive: true });
      else expect((await cli([...build, out])).code).toBe(0);
      const child = spawn(process.execPath, [BIN, ...build, out],
        { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AIRGAP_MIRROR_HOLD_AT_SWAP_STEP: String(step) } });
      await new Promise<void>((resolve, reject) => {
        let err = '';
        child.stderr!.on('data', (d) => {
          err += d;
          if (err.includes(`holding before swap step ${step}`)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the build exited (${code}) before swap step ${step}: ${err}`)));
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const marker = JSON.parse(await readFile(join(out, '.airgap-mirror-site.json'), 'utf8'));
      expect(marker.repos.map((r: { id: string }) => r.id), `${layout}, step ${step}`).toEqual(['tools']);
      expect((await stat(join(out, 'tools/repodata/repomd.xml'))).isFile()).toBe(true);
      const again = await cli([...build, out]);
      expect(again.code, again.stderr).toBe(0);
      const beside = (await readdir(srv)).filter((n) => /^\.html\.(site|partial|old|link)-\d/.test(n));
      expect(beside, `${layout}, step ${step}`).toEqual([await readlink(out)]);
    }
  });
});

describe('a --out that is a mount point', () => {
  it('is refused before anything is built, with one line saying what to do; a directory inside it works', async () => {
    for (const kind of ['tmpfs', 'bind']) {
      const mnt = dir(`mnt-${kind}`);
      await mkdir(mnt);
      if (kind === 'tmpfs') await must('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt]);
      else await must('mount', ['--bind', mnt, mnt]);
      mounts.push(mnt);
      const r = await cli(['build', '--mirror', mirror, '--out', mnt]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`airgap-mirror: --out ${mnt} is a mount point, which cannot be renamed or replaced, so a new `
        + `site could never be swapped in there: build into a directory inside it (e.g. --out ${join(mnt, 'html')}) and serve that`);
      expect(await readdir(mnt)).toEqual([]);
      const inside = await cli(['build', '--mirror', mirror, '--out', join(mnt, 'html')]);
      expect(inside.code, inside.stderr).toBe(0);
    }
  });
});
