/**
 * Atomic output: the site is built in a staging directory beside `--out` and swapped in
 * with renames only when complete, so a killed build never leaves a half-written site or
 * repodata/ that dnf would accept. An existing `--out` is replaced only when it is empty or
 * was made by airgap-mirror (marker file), never when it overlaps the mirror.
 *
 * Two swaps: a directory `--out` is renamed away and the new site renamed in (a kill between
 * the two leaves the old site beside it, `.<out>.old-<pid>`, which the next build puts back);
 * a `--out` that is a symbolic link is switched with one rename of a new link over it
 * (rename(2) replaces it atomically), so a site is at `--out` at every instant: the new site
 * lives beside it as `.<out>.site-<time>`, and the previous one is removed after the switch.
 * A replaced site is renamed to `.<out>.trash-<pid>-<time>` and deleted by a detached `rm -rf`,
 * so the command returns once the new site is in place (deleting the 80,000 entries of a
 * 30,000-package site takes about 10 s here); a trash directory left by a killed `rm` is
 * deleted by the next build, never put back.
 */
import { spawn } from 'node:child_process';
import { lstat, mkdir, readdir, readlink, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors/exit-codes.ts';
import { alive, LockHeldError, takeLock } from '../dir-lock.ts';

/** Marker file at the root of every site airgap-mirror writes. */
export const SITE_MARKER = '.airgap-mirror-site.json';

const inside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
};

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

/** Takes the build lock of `outDir` (see dir-lock.ts). Throws UsageError naming the process that holds it. */
async function lockOutput(outDir: string): Promise<() => Promise<void>> {
  try {
    return await takeLock(buildLockOf(outDir));
  } catch (err) {
    if (err instanceof LockHeldError) {
      throw new UsageError(`--out ${outDir} is being written by ${err.pid ? `process ${err.pid}` : 'another build'} `
        + `(lock ${buildLockOf(outDir)}); wait for it to finish`);
    }
    throw err;
  }
}

/**
 * Checks paths, takes the build lock of `--out` and creates a fresh staging directory;
 * returns its path and the lock's release. Throws UsageError when unsafe or locked.
 */
export async function prepareStaging(mirrorDir: string, outDir: string): Promise<{ staging: string; unlock: () => Promise<void> }> {
  const mirror = await realpath(mirrorDir), out = resolve(outDir), real = await realOut(outDir);
  const kind = await lstat(outDir).catch(() => undefined);
  if (kind && !kind.isDirectory() && !kind.isSymbolicLink()) throw new UsageError(`--out ${outDir} exists and is not a directory; refusing to replace it`);
  if (inside(real, mirror)) throw new UsageError(`--out ${outDir} is inside the mirror ${mirrorDir}; the mirror tree is read-only to airgap-mirror`);
  if (inside(mirror, real)) throw new UsageError(`the mirror ${mirrorDir} is inside --out ${outDir}; replacing the output would delete it`);
  const existing = await readdir(out).catch(() => undefined);
  if (existing && existing.length && !existing.includes(SITE_MARKER)) {
    throw new UsageError(`--out ${outDir} exists, is not empty and was not written by airgap-mirror; refusing to replace it`);
  }
  const unlock = await lockOutput(outDir);
  try {
    await removeStaleStaging(out);
    const staging = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    return { staging, unlock };
  } catch (err) {
    await unlock();
    throw err;
  }
}

/**
 * Cleans up after killed builds (their process gone): staging directories are deleted; an old
 * site renamed away is put back when `--out` is missing (the kill fell between the two renames),
 * else deleted; with a linked `--out`, sites beside it that the link no longer names are deleted.
 */
async function removeStaleStaging(out: string): Promise<void> {
  const prefix = `.${basename(out)}.`;
  const target = await readlink(out).catch(() => undefined);
  for (const name of await readdir(dirname(out)).catch(() => [] as string[])) {
    const m = name.startsWith(prefix) ? /^(partial|old|link|site|trash)-(\d+)(?:-\d+)?$/.exec(name.slice(prefix.length)) : null;
    if (!m) continue;
    const path = join(dirname(out), name);
    if (m[1] === 'trash') {
      await rm(path, { recursive: true, force: true });
      continue;
    }
    if (m[1] === 'site') {
      if (target !== undefined && basename(target) !== name && !alive(Number(m[2]))) await rm(path, { recursive: true, force: true });
      continue;
    }
    if (alive(Number(m[2]))) continue;
    if (m[1] === 'old' && !(await lstat(out).catch(() => undefined))) await rename(path, out);
    else await rm(path, { recursive: true, force: true });
  }
}

/**
 * Writes the marker and swaps staging into place: for a linked `--out` one rename of a new link
 * over it, then the previous site (if airgap-mirror wrote it) deleted; else rename old away,
 * rename new in, delete old.
 */
export async function commitStaging(staging: string, outDir: string, marker: object): Promise<void> {
  const out = resolve(outDir);
  await writeFile(join(staging, SITE_MARKER), JSON.stringify(marker, null, 2) + '\n');
  if ((await lstat(out).catch(() => undefined))?.isSymbolicLink()) return switchLink(staging, out);
  const old = join(dirname(out), `.${basename(out)}.old-${process.pid}`);
  const hadOld = await stat(out).then(() => true, () => false);
  if (hadOld) await rename(out, old);
  await rename(staging, out);
  if (hadOld) await removeInBackground(old, out);
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

/** The linked-`--out` swap of commitStaging. */
async function switchLink(staging: string, out: string): Promise<void> {
  const previous = await realpath(out).catch(() => undefined);
  const site = join(dirname(out), `.${basename(out)}.site-${process.pid}-${Date.now()}`);
  await rename(staging, site);
  const link = join(dirname(out), `.${basename(out)}.link-${process.pid}`);
  await rm(link, { force: true });
  await symlink(basename(site), link);
  await rename(link, out);
  const wroteIt = previous && await stat(join(previous, SITE_MARKER)).then(() => true, () => false);
  if (wroteIt) await removeInBackground(previous, out);
}

/** Removes a staging directory after a failed build. */
export async function discardStaging(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}
