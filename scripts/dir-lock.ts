/**
 * One writer at a time: a lock directory (proper-lockfile: an atomic mkdir whose mtime the
 * holder refreshes every 2 s) with the holder's pid and host in `<lock>.owner.json` beside
 * it. Another process on the same host gives up at once while the holder lives and takes the
 * lock over at once when the holder is gone (`kill -9`); a holder on another host (a shared
 * file system) is waited for until its lock goes stale (10 s without refresh). Taking over a dead
 * holder's lock is serialised (takeOver), and a lock lost while held is reported to its holder.
 * Used by `sync` per repo and by `build` per `--out`.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
 * Why this process no longer holds `lock`, which it took, or undefined while it does: the lock
 * directory and an owner file naming this process on this host must both still be there. Checked
 * by a holder before it acts on being alone (the refresh that reports a lost lock runs every 2 s).
 */
export async function lockGone(lock: string): Promise<string | undefined> {
  if (!(await stat(lock).then((s) => s.isDirectory(), () => false))) return 'the lock directory was removed';
  const o = await readFile(ownerOf(lock), 'utf8').then((t) => JSON.parse(t) as { pid?: number; host?: string }, () => undefined);
  if (o?.pid !== process.pid || o.host !== hostname()) return `the lock now belongs to ${o?.pid ? `process ${o.pid}` : 'no one'}`;
  return undefined;
}

/**
 * The holder of `lock`, waiting up to 1 s (20 looks) while the owner file is missing: a holder
 * that has just taken the lock, or taken it over, writes its owner file a moment later.
 */
async function settledHolder(lock: string): Promise<Awaited<ReturnType<typeof holder>>> {
  let who = await holder(lock);
  for (let i = 0; i < 20 && who.state === 'unknown' && who.pid === undefined; i++) {
    await new Promise((r) => setTimeout(r, 50));
    who = await holder(lock);
  }
  return who;
}

/** Writes the owner file of `lock`: this process on this host. */
const writeOwner = (lock: string) => writeFile(ownerOf(lock), JSON.stringify({ pid: process.pid, host: hostname() }));

/**
 * Takes over a lock whose holder (`dead`, a pid of this host) is gone, one process at a time: under
 * a short-lived guard lock (`<lock>.takeover`), the owner file is checked to still name `dead`,
 * removed, then the lock directory; then the lock is taken as usual. A process that takes the lock
 * the ordinary way meanwhile (the directory gone) is never undone: without an owner file naming a
 * dead process nothing is removed. Resolves to the release; rejects with LockHeldError when
 * another process got there first.
 */
async function takeOver(lock: string, dead: number, options: LockOptions): Promise<() => Promise<void>> {
  const guard = await lockfile.lock(lock, { ...options, lockfilePath: `${lock}.takeover`, onCompromised: () => {},
    retries: { retries: 40, minTimeout: 25, maxTimeout: 100 } })
    .catch((e: NodeJS.ErrnoException) => { throw e.code === 'ELOCKED' ? new LockHeldError(lock) : e; });
  try {
    const who = await holder(lock);
    if (who.state === 'gone' && who.pid === dead) {
      await rm(ownerOf(lock), { force: true });
      await rm(lock, { recursive: true, force: true });
    }
    const release = await lockfile.lock(lock, { ...options, retries: 0 })
      .catch((e: NodeJS.ErrnoException) => { throw e.code === 'ELOCKED' ? new LockHeldError(lock, who.pid) : e; });
    await writeOwner(lock);
    return release;
  } finally {
    await guard();
  }
}

type LockOptions = Parameters<typeof lockfile.lock>[1] & object;

/**
 * Takes the lock directory `lock` (creating its parent). Resolves to the release function;
 * rejects with LockHeldError while another run holds it (see the module comment), or the
 * file system error. `onLost(why)` is called if the lock is lost while held (its directory
 * removed or replaced by another process, or not refreshed within 10 s: proper-lockfile's
 * "compromised"); the holder must then not trust that it is alone.
 */
export async function takeLock(lock: string, onLost: (why: string) => void = () => {}): Promise<() => Promise<void>> {
  await mkdir(dirname(lock), { recursive: true });
  const options: LockOptions = { lockfilePath: lock, realpath: false, stale: 10_000, update: 2_000,
    onCompromised: (err: Error) => onLost(err.message) };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(lock, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const who = await settledHolder(lock);
    if (who.state === 'alive') throw new LockHeldError(lock, who.pid);
    if (who.state === 'gone') return takeOver(lock, who.pid!, options);
    release = await lockfile.lock(lock, { ...options, retries: { retries: 12, minTimeout: 1_000, maxTimeout: 1_000, factor: 1 } })
      .catch((e: NodeJS.ErrnoException) => { throw e.code === 'ELOCKED' ? new LockHeldError(lock, who.pid) : e; });
  }
  await writeOwner(lock);
  return async () => {
    await rm(ownerOf(lock), { force: true });
    await release().catch(() => {}); // a lost lock has nothing left to release
  };
}
