/**
 * The one decision "is this path inside that root", for every path that comes from input:
 * repo ids and paths of a config, lockfile paths, repomd hrefs, bundle entries. A path is first
 * checked by its text (relative, no empty, `.` or `..` segment, no NUL), then, before anything
 * is created, by where it really leads: the deepest part of it that exists is resolved with
 * realpath (links followed) and must stay under the real root, so a link inside the tree that
 * points elsewhere never carries a write out of it.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';

/** Why `rel` is not a relative path inside its root by its text, or undefined when it is. */
export function unsafeRelativePath(rel: string): string | undefined {
  if (!rel || rel.startsWith('/')) return 'an absolute or empty path';
  if (rel.includes('\0')) return 'a NUL in the path';
  if (rel.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'a path with an empty, . or .. segment';
  return undefined;
}

/** Whether the absolute path `path` is `root` or below it. */
export function isInside(path: string, root: string): boolean {
  const r = relative(root, path);
  return r === '' || (!isAbsolute(r) && r !== '..' && !r.startsWith('../'));
}

/** Thrown when a path from input leads outside its root; the message says which and why. */
export class OutsideRootError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutsideRootError';
  }
}

/** `path` with its deepest existing ancestor (itself included) resolved by realpath. */
async function realPrefix(path: string): Promise<string> {
  const real = await realpath(path).catch(() => undefined);
  if (real) return real;
  if (dirname(path) === path) return path;
  return join(await realPrefix(dirname(path)), basename(path));
}

/**
 * Where `rel` really is under `root`: `root/rel` with links resolved, checked to stay inside
 * the real `root` (which need not exist yet). Creates nothing. Throws OutsideRootError naming
 * `rel` when its text leaves the root, or a link on its way leads out of it.
 */
export async function resolveInside(root: string, rel: string): Promise<string> {
  const why = unsafeRelativePath(rel);
  if (why) throw new OutsideRootError(`${JSON.stringify(rel)} is ${why}, not a path inside ${root}`);
  const realRoot = await realPrefix(root);
  const real = await realPrefix(join(root, rel));
  if (!isInside(real, realRoot)) {
    throw new OutsideRootError(`${JSON.stringify(rel)} leads to ${real} through a symbolic link, outside ${realRoot}`);
  }
  return real;
}
