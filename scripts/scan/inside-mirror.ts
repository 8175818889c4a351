/**
 * Inputs that are not packages (key files, upstream repodata) are published only when they
 * really are inside the mirror tree: a `..` in an upstream href, or a symbolic link that
 * resolves outside the tree (to a root-only file, say), would otherwise copy any file of the
 * host into the site.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

/** The real mirror root, computed once per build (`realpathSync` of the directory given). */
export type MirrorRoot = string;

/** Resolves the mirror directory to the root inputs are checked against. Throws the fs error. */
export const mirrorRootOf = (mirrorDir: string): MirrorRoot => realpathSync(mirrorDir);

/**
 * Why `rel` (relative to `base`, itself inside the mirror) may not be published, or undefined
 * when it resolves inside `root`. A missing file is not refused here (the caller reports it).
 */
export function outsideMirror(root: MirrorRoot, base: string, rel: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(join(base, rel));
  } catch {
    return undefined;
  }
  const r = relative(root, real);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r)) ? undefined : `resolves to ${real}, outside the mirror tree`;
}
