/**
 * One sync at a time per repo: a lock in `<repo>/.airgap-mirror-sync/lock` (proper-lockfile:
 * an atomic mkdir whose mtime the holder refreshes every 2 s), with the holder's pid and host
 * in `lock.owner.json` beside it. Another run on the same host gives up at once while the holder lives
 * and takes the lock over at once when the holder is gone (`kill -9`); a holder on another
 * host (a shared file system) is waited for until its lock goes stale (10 s without refresh).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { SYNC_DIR } from './sync-state.ts';

/** Path of a repo's lock. */
export const lockPathOf = (repoDir: string) => join(repoDir, SYNC_DIR, 'lock');

/** Whether process `pid` of this host is alive (EPERM: alive, owned by another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ownerOf = (lock: string) => `${lock}.owner.json`;

/** Who holds the lock: 'alive' (this host, running), 'gone' (this host, ended) or 'unknown'. */
async function holder(lock: string): Promise<'alive' | 'gone' | 'unknown'> {
  try {
    const o = JSON.parse(await readFile(ownerOf(lock), 'utf8')) as { pid: number; host: string };
    if (o.host !== hostname()) return 'unknown';
    return alive(o.pid) ? 'alive' : 'gone';
  } catch {
    return 'unknown';
  }
}

/**
 * Takes the lock of `repoDir` (creating its sync directory). Resolves to the release
 * function; rejects with code ELOCKED while another run holds it (see the module comment).
 */
export async function lockRepo(repoDir: string): Promise<() => Promise<void>> {
  await mkdir(join(repoDir, SYNC_DIR), { recursive: true });
  const lock = lockPathOf(repoDir);
  const options = { lockfilePath: lock, realpath: false, stale: 10_000, update: 2_000, onCompromised: () => {} };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(repoDir, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const who = await holder(lock);
    if (who === 'alive') throw err;
    if (who === 'gone') await rm(lock, { recursive: true, force: true });
    release = await lockfile.lock(repoDir, { ...options,
      retries: who === 'gone' ? 0 : { retries: 12, minTimeout: 1_000, maxTimeout: 1_000, factor: 1 } });
  }
  await writeFile(ownerOf(lock), JSON.stringify({ pid: process.pid, host: hostname() }));
  return async () => {
    await rm(ownerOf(lock), { force: true });
    await release();
  };
}
