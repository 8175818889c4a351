/**
 * Inputs that are not packages (key files, upstream repodata) are published only when they
 * really are inside the mirror tree: a `..` in an upstream href, or a symbolic link that
 * resolves outside the tree (to a root-only file, say), would otherwise copy any file of the
 * host into the site.
 */
import { realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { isInside, unsafeRelativePath } from '../inside-root.ts';

/**
 * The normalised form of a relative `href` (`a/./b` → `a/b`), or undefined when it is absolute,
 * leaves its root (`..`), names a directory or is empty (inside-root.ts decides).
 */
export function insideRepo(href: string): string | undefined {
  if (href.startsWith('/')) return undefined;
  const n = posix.normalize(href);
  return unsafeRelativePath(n) ? undefined : n;
}

/** The real mirror root, computed once per build (`realpathSync` of the directory given). */
export type MirrorRoot = string;

/** Resolves the mirror directory to the root inputs are checked against. Throws the fs error. */
export const mirrorRootOf = (mirrorDir: string): MirrorRoot => realpathSync(mirrorDir);

/**
 * Why `rel` (relative to `base`, itself inside the mirror) may not be published, or undefined
 * when it stays inside `root`: it leaves `base` by its path, resolves outside the tree
 * through a link, or is not a regular file. A missing file is not refused here (the caller
 * reports it).
 */
export function outsideMirror(root: MirrorRoot, base: string, rel: string): string | undefined {
  if (insideRepo(rel) === undefined) return 'the path leaves its repo';
  let real: string;
  try {
    real = realpathSync(join(base, rel));
  } catch {
    return undefined;
  }
  if (!isInside(real, root)) return `resolves to ${real}, outside the mirror tree`;
  // never open a FIFO or device: reading it could block the build
  return statSync(real).isFile() ? undefined : `${real} is not a regular file`;
}
