/**
 * One writer at a time: a lock directory (proper-lockfile: an atomic mkdir whose mtime the
 * holder refreshes every 2 s) with the holder's pid and host in `<lock>.owner.json` beside
 * it. Another process on the same host gives up at once while the holder lives and takes the
 * lock over at once when the holder is gone (`kill -9`); a holder on another host (a shared
 * file system) is waited for until its lock goes stale (10 s without refresh). Used by `sync`
 * per repo and by `build` per `--out`.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';

/** Thrown while another live process holds the lock; `pid` when known. */
export class LockHeldError extends Error {
  readonly pid: number | undefined;
  constructor(lock: string, pid?: number) {
    super(`${lock} is held by ${pid ? `process ${pid}` : 'another process'}`);
    this.name = 'LockHeldError';
    this.pid = pid;
  }
}

const ownerOf = (lock: string) => `${lock}.owner.json`;

/** Whether process `pid` of this host is alive (EPERM: alive, owned by another user); also used for stale build staging. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the lock: alive or gone on this host (with its pid), or unknown (another host, or no owner file). */
async function holder(lock: string): Promise<{ state: 'alive' | 'gone' | 'unknown'; pid?: number }> {
  try {
    const o = JSON.parse(await readFile(ownerOf(lock), 'utf8')) as { pid: number; host: string };
    if (o.host !== hostname()) return { state: 'unknown', pid: o.pid };
    return { state: alive(o.pid) ? 'alive' : 'gone', pid: o.pid };
  } catch {
    return { state: 'unknown' };
  }
}

/**
 * Takes the lock directory `lock` (creating its parent). Resolves to the release function;
 * rejects with LockHeldError while another run holds it (see the module comment), or the
 * file system error.
 */
export async function takeLock(lock: string): Promise<() => Promise<void>> {
  await mkdir(dirname(lock), { recursive: true });
  const options = { lockfilePath: lock, realpath: false, stale: 10_000, update: 2_000, onCompromised: () => {} };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(lock, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const who = await holder(lock);
    if (who.state === 'alive') throw new LockHeldError(lock, who.pid);
    if (who.state === 'gone') await rm(lock, { recursive: true, force: true });
    release = await lockfile.lock(lock, { ...options,
      retries: who.state === 'gone' ? 0 : { retries: 12, minTimeout: 1_000, maxTimeout: 1_000, factor: 1 } })
      .catch((e: NodeJS.ErrnoException) => { throw e.code === 'ELOCKED' ? new LockHeldError(lock, who.pid) : e; });
  }
  await writeFile(ownerOf(lock), JSON.stringify({ pid: process.pid, host: hostname() }));
  return async () => {
    await rm(ownerOf(lock), { force: true });
    await release();
  };
}
