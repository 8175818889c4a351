/**
 * Atomic output: the site is built in a staging directory beside `--out` and swapped in only
 * when complete, so a killed build never leaves a half-written site or repodata/ that dnf would
 * accept. An existing `--out` is replaced only when it is empty or was made by airgap-mirror
 * (marker file), never when it overlaps the mirror.
 *
 * Layout: `--out` is a relative symbolic link to the live site beside it, `.<out>.site-<pid>-<time>`.
 * Each build renames its finished site to such a name and switches the link with one rename(2)
 * of a new link over it, so a whole site is at `--out` at every instant, and a web server that
 * resolves `--out` per request (nginx, Apache, `python3 -m http.server`, a container that
 * bind-mounts the directory holding `--out`) serves the new site from the next request on, with
 * no restart. A `--out` that is still a plain directory (a site of an older airgap-mirror, or
 * made by hand) is turned into a link the same way: the link and the directory change places
 * with one renameat2(RENAME_EXCHANGE) (Linux 3.15+, through python3's ctypes; no Node binding
 * exists); where that is not possible it falls back to two renames, and a build killed between
 * them is undone by the next. A `--out` that is a mount point cannot be renamed at all and is
 * refused before anything is built.
 *
 * A replaced site is renamed to `.<out>.trash-<pid>-<time>` and deleted by a detached `rm -rf`,
 * so the command returns once the new site is in place (deleting the 80,000 entries of a
 * 30,000-package site takes about 10 s here); a trash directory left by a killed `rm` is
 * deleted by the next build, never put back.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { lstat, readdir, readFile, readlink, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isInside } from '../inside-root.ts';
import { UsageError } from '../errors/exit-codes.ts';
import { alive, LockHeldError, lockGone, takeLock } from '../dir-lock.ts';

/** Marker file at the root of every site airgap-mirror writes. */
export const SITE_MARKER = '.airgap-mirror-site.json';

/**
 * `outDir` with every existing part resolved (links followed), so an `--out` reached through a
 * link into the mirror is recognised as inside it.
 */
async function realOut(outDir: string): Promise<string> {
  const abs = resolve(outDir);
  const real = await realpath(abs).catch(() => undefined);
  if (real) return real;
  return join(await realOut(dirname(abs)).catch(() => dirname(abs)), basename(abs));
}

/** The lock of builds into `out`: beside it, so two builds into one `--out` never mix. */
export const buildLockOf = (out: string) => join(dirname(resolve(out)), `.${basename(resolve(out))}.lock`);

/**
 * Takes the build lock of `outDir` (see dir-lock.ts); `onLost` hears if it is lost while held.
 * Throws UsageError naming the process that holds it.
 */
async function lockOutput(outDir: string, onLost: (why: string) => void): Promise<() => Promise<void>> {
  try {
    return await takeLock(buildLockOf(outDir), onLost);
  } catch (err) {
    if (err instanceof LockHeldError) {
      throw new UsageError(`--out ${outDir} is being written by ${err.pid ? `process ${err.pid}` : 'another build'} `
        + `(lock ${buildLockOf(outDir)}); wait for it to finish`);
    }
    throw err;
  }
}

/**
 * Whether the directory `dir` is a mount point: on another device than its parent, or listed as
 * a mount point in /proc/self/mountinfo (a bind mount of the same file system; field 5, with
 * spaces and other bytes octal-escaped as proc(5) says).
 */
async function isMountPoint(dir: string): Promise<boolean> {
  const [self, parent] = await Promise.all([stat(dir), stat(dirname(dir))]);
  if (self.dev !== parent.dev) return true;
  const real = await realpath(dir);
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return info.split('\n').some((line) => line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) === real);
}

/** A prepared build: its staging directory, the lock's release, and why the lock was lost while held (if it was). */
export interface Staging { staging: string; unlock: () => Promise<void>; lockLost: () => Promise<string | undefined> }

/**
 * Checks paths, takes the build lock of `--out` and creates a fresh staging directory.
 * Throws UsageError when unsafe or locked.
 */
export async function prepareStaging(mirrorDir: string, outDir: string): Promise<Staging> {
  const mirror = await realpath(mirrorDir), out = resolve(outDir), real = await realOut(outDir);
  const kind = await lstat(outDir).catch(() => undefined);
  if (kind && !kind.isDirectory() && !kind.isSymbolicLink()) throw new UsageError(`--out ${outDir} exists and is not a directory; refusing to replace it`);
  if (isInside(real, mirror)) throw new UsageError(`--out ${outDir} is inside the mirror ${mirrorDir}; the mirror tree is read-only to airgap-mirror`);
  if (isInside(mirror, real)) throw new UsageError(`the mirror ${mirrorDir} is inside --out ${outDir}; replacing the output would delete it`);
  if (kind?.isDirectory() && await isMountPoint(out)) {
    throw new UsageError(`--out ${outDir} is a mount point, which cannot be renamed or replaced, so a new site could never be `
      + `swapped in there: build into a directory inside it (e.g. --out ${join(outDir, 'html')}) and serve that`);
  }
  const existing = await readdir(out).catch(() => undefined);
  if (existing && existing.length && !existing.includes(SITE_MARKER)) {
    throw new UsageError(`--out ${outDir} exists, is not empty and was not written by airgap-mirror; refusing to replace it`);
  }
  let lost: string | undefined;
  const unlock = await lockOutput(outDir, (why) => { lost = why; });
  try {
    await removeStaleStaging(out);
    const staging = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
    await rm(staging, { recursive: true, force: true });
    // made synchronously: the caller sets its exit handler (which removes it) before any other event runs
    mkdirSync(staging, { recursive: true });
    return { staging, unlock, lockLost: async () => lost ?? await lockGone(buildLockOf(outDir)) };
  } catch (err) {
    await unlock();
    throw err;
  }
}

/**
 * Cleans up after killed builds (their process gone): staging directories are deleted; an old
 * site renamed away is put back when `--out` is missing (the kill fell between the two renames),
 * else deleted; sites beside it that the link at `--out` does not name are deleted.
 */
async function removeStaleStaging(out: string): Promise<void> {
  const prefix = `.${basename(out)}.`;
  const names = (await readdir(dirname(out)).catch(() => [] as string[])).flatMap((name) => {
    const m = name.startsWith(prefix) ? /^(partial|old|link|site|trash)-(\d+)(?:-\d+)?$/.exec(name.slice(prefix.length)) : null;
    return m ? [{ path: join(dirname(out), name), name, kind: m[1]!, alive: alive(Number(m[2])) }] : [];
  });
  // an old site is put back first: the link at --out then says which site beside it is live
  for (const n of names.filter((x) => x.kind === 'old' && !x.alive)) {
    if (!(await lstat(out).catch(() => undefined))) await rename(n.path, out);
    else await rm(n.path, { recursive: true, force: true });
  }
  const target = await readlink(out).catch(() => undefined);
  for (const n of names) {
    if (n.kind === 'trash' || (!n.alive && (n.kind === 'partial' || n.kind === 'link'))
      || (n.kind === 'site' && !n.alive && (target === undefined || basename(target) !== n.name))) {
      await rm(n.path, { recursive: true, force: true });
    }
  }
}

/**
 * Environment variable for the swap tests: with `N` set, the build stops before swap step N
 * (1 rename the site beside --out, 2 make the new link, 3 switch it over --out, 4 remove the
 * previous site), prints `airgap-mirror: holding before swap step N` on stderr and waits to be
 * killed, so a test can `kill -9` it exactly there.
 */
export const HOLD_AT_SWAP_STEP_ENV = 'AIRGAP_MIRROR_HOLD_AT_SWAP_STEP';

async function swapStep(step: number): Promise<void> {
  if (process.env[HOLD_AT_SWAP_STEP_ENV] !== String(step)) return;
  process.stderr.write(`airgap-mirror: holding before swap step ${step}\n`);
  await new Promise(() => setInterval(() => {}, 60_000));
}

/**
 * Writes the marker and swaps staging into place (see the module comment): the finished site
 * is renamed beside `--out`, a new link to it replaces `--out` (one rename over a link; an
 * exchange with a plain directory), and the previous site is deleted in the background when
 * airgap-mirror wrote it. Rejects with the fs error.
 */
export async function commitStaging(staging: string, outDir: string, marker: object): Promise<void> {
  const out = resolve(outDir);
  await writeFile(join(staging, SITE_MARKER), JSON.stringify(marker, null, 2) + '\n');
  const current = await lstat(out).catch(() => undefined);
  const previous = current?.isSymbolicLink() ? await realpath(out).catch(() => undefined) : undefined;
  await swapStep(1);
  const site = join(dirname(out), `.${basename(out)}.site-${process.pid}-${Date.now()}`);
  await rename(staging, site);
  await swapStep(2);
  const link = join(dirname(out), `.${basename(out)}.link-${process.pid}`);
  await rm(link, { force: true });
  await symlink(basename(site), link);
  await swapStep(3);
  if (!current?.isDirectory()) {
    await rename(link, out);
  } else if (exchange(link, out)) {
    await swapStep(4);
    return removeInBackground(link, out); // the old directory now has the link's name
  } else {
    const old = join(dirname(out), `.${basename(out)}.old-${process.pid}`);
    await rename(out, old);
    await rename(link, out);
    await swapStep(4);
    return removeInBackground(old, out);
  }
  await swapStep(4);
  const wroteIt = previous && await stat(join(previous, SITE_MARKER)).then(() => true, () => false);
  if (wroteIt) await removeInBackground(previous, out);
}

/** Python for exchange(): renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE), exit 0 when done. */
const EXCHANGE_PY = `import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
f = getattr(libc, 'renameat2', None)
sys.exit(3 if f is None else 0 if f(-100, os.fsencode(sys.argv[1]), -100, os.fsencode(sys.argv[2]), 2) == 0 else 4)`;

/**
 * Swaps the directory entries `a` and `b` atomically (renameat2 RENAME_EXCHANGE, Linux 3.15,
 * glibc 2.28). False when it could not be done (no python3, an old kernel or libc, a file system
 * without it); nothing changed then.
 */
function exchange(a: string, b: string): boolean {
  return spawnSync('python3', ['-c', EXCHANGE_PY, a, b], { stdio: 'ignore' }).status === 0;
}

/**
 * Renames the replaced site `dir` to a trash name in its own directory (named after `out`, so a
 * trash beside `out` is found by the next build) and starts a detached `rm -rf` of it that may
 * outlive this process; when the rename fails, deletes `dir` here and now.
 */
async function removeInBackground(dir: string, out: string): Promise<void> {
  const trash = join(dirname(dir), `.${basename(out)}.trash-${process.pid}-${Date.now()}`);
  if (!(await rename(dir, trash).then(() => true, () => false))) return rm(dir, { recursive: true, force: true });
  const child = spawn('rm', ['-rf', '--', trash], { detached: true, stdio: 'ignore' });
  child.on('error', () => {}); // no rm: the next build deletes the trash (removeStaleStaging)
  child.unref();
}

/** Removes a staging directory after a failed build. */
export async function discardStaging(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}
