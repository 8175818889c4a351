/**
 * Paths a bundle names (tar entry names, manifest and delta lists) must stay inside the
 * tree they are applied to: relative, '/'-separated, without `.`, `..` or empty segments, NUL
 * or backslash; site files under `site/`. airgap-mirror writes only regular-file entries, so
 * any other tar entry type (symlink, hard link, device, directory) is refused too.
 */
import { unsafeRelativePath } from '../inside-root.ts';

/** The top-level files a bundle carries beside `site/`. */
const TOP_LEVEL = /^airgap-mirror-[a-z-]+\.json(\.asc)?$|^SHA256SUMS(\.delta)?$/;

/** Why `path` may not be taken from a bundle, or undefined when it is safe; `site` requires it under `site/`. */
export function unsafePath(path: string, site = false): string | undefined {
  const why = unsafeRelativePath(path);
  if (why) return why;
  if (path.includes('\\')) return 'a backslash in the path';
  if (site && !path.startsWith('site/')) return 'a site file outside site/';
  if (!path.startsWith('site/') && !TOP_LEVEL.test(path)) return 'a file outside site/ that airgap-mirror does not write';
  return undefined;
}

/** Each unsafe path of `paths` with why, as `path: why` lines (empty when all are safe). */
export function unsafePaths(paths: string[], site = false): string[] {
  return paths.flatMap((p) => {
    const why = unsafePath(p, site);
    return why ? [`${JSON.stringify(p)}: ${why}`] : [];
  });
}
