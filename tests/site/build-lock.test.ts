/**
 * The one-writer lock (scripts/dir-lock.ts) under contention: several processes taking over the
 * lock of a killed holder at once end with exactly one holder; a build whose lock is taken from
 * it while it runs says so and does not replace the site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cli, ROOT, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { treeHash } from '../helpers/tree-hash.ts';
import { waitFor } from '../helpers/wait-for.ts';

let base: string;
beforeAll(async () => { base = await mkdtemp(join(tmpdir(), 'airgap-lock-')); });
afterAll(() => rm(base, { recursive: true, force: true }));

/**
 * A process that, once it reads a line on stdin (all start together), takes `lock`, prints `took`
 * or `held <message>`, and then waits to be killed. `ready` resolves when it is waiting for the line.
 */
function contender(lock: string): { child: ChildProcess; ready: Promise<void>; said: Promise<string> } {
  const script = `
    import { takeLock, LockHeldError } from ${JSON.stringify(join(ROOT, 'scripts/dir-lock.ts'))};
    console.error('ready');
    await new Promise((r) => process.stdin.once('data', r));
    try {
      await takeLock(${JSON.stringify(lock)});
      console.log('took');
    } catch (err) {
      console.log(err instanceof LockHeldError ? 'held ' + err.message : 'error ' + err.message);
    }
    setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const ready = new Promise<void>((resolve) => child.stderr!.once('data', () => resolve()));
  let out = '';
  const said = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => { out += d; if (out.includes('\n')) resolve(out.trim()); });
    child.once('exit', (code) => reject(new Error(`contender exited (${code}) before saying anything`)));
  });
  return { child, ready, said };
}

describe('the build and sync lock', () => {
  it('of processes taking over a killed holder\'s lock at once, exactly one gets it', async () => {
    for (let round = 0; round < 5; round++) {
      const lock = join(base, `stale-${round}.lock`);
      const dead = spawn('true');
      await new Promise((r) => dead.once('exit', r));
      await mkdir(lock);
      await writeFile(`${lock}.owner.json`, JSON.stringify({ pid: dead.pid, host: hostname() }));
      const all = Array.from({ length: 8 }, () => contender(lock));
      try {
        await Promise.all(all.map((c) => c.ready));
        for (const c of all) c.child.stdin!.write('go\n');
        const said = await Promise.all(all.map((c) => c.said));
        expect(said.filter((s) => s === 'took'), said.join('\n')).toHaveLength(1);
        expect(said.filter((s) => s.startsWith('held '))).toHaveLength(7);
      } finally {
        for (const c of all) c.child.kill('SIGKILL');
      }
    }
  });

  it('a build whose lock is removed while it runs says so, exit 1, and leaves the site as it was', async () => {
    const out = join(base, 'site');
    expect((await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repo', 'ubi8/baseos'])).code).toBe(0);
    const before = await treeHash(out);
    const child = spawn(process.execPath, [BIN, 'build', '--mirror', SAMPLE_MIRROR, '--out', out, '--no-cache'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await waitFor('the build\'s staging directory', base, async () => (await readdir(base)).some((n) => n.startsWith('.site.partial-')));
    await rm(join(base, '.site.lock'), { recursive: true }); // as a racing takeover would
    expect(await exited).toBe(1);
    expect(stderr).toMatch(new RegExp(`^airgap-mirror: the build lock ${join(base, '.site.lock')} was lost while building \\(.+\\): `
      + 'another build may be writing .*, so this one did not replace the site', 'm'));
    expect(await treeHash(out)).toBe(before);
    expect((await readdir(base)).filter((n) => n.startsWith('.site.partial-'))).toEqual([]);
  });
});
