/**
 * Moves the rendered pages (HTML, assets, search index) into the staging site. A directory
 * the staging site does not have yet moves with one rename, however many pages it holds;
 * directories both have are merged entry by entry. On a site of 10,000 packages this is a
 * handful of renames instead of some 20,000 hard links, and the temporary render directory
 * is then nearly empty, so removing it is cheap too (both cost about 0.1 ms per file on a
 * typical disk). When a rename crosses filesystems (EXDEV), that subtree is placed file by
 * file instead (hard link, else copy; see FilePlacer).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FilePlacer } from './link-packages.ts';
import { PAGE_NAMESPACE, repoIndexPagePath } from '../catalog/page-paths.ts';

/**
 * Moves everything under `pagesDir` to the same relative paths under `staging`, except the
 * '/'-separated relative file paths in `skip` (they stay where they are). `placer` places
 * files when renames cannot. Throws the fs error of a move or copy that fails.
 */
export function movePages(pagesDir: string, staging: string, skip: ReadonlySet<string>, placer: FilePlacer): void {
  // directories holding a skipped file cannot move whole
  const holding = new Set<string>();
  for (const page of skip) {
    const parts = page.split('/');
    for (let i = 1; i < parts.length; i++) holding.add(parts.slice(0, i).join('/'));
  }
  /** Moves the entries of `rel`, a directory that exists in both trees (the roots, or made just before). */
  const move = (rel: string): void => {
    for (const e of readdirSync(join(pagesDir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      const src = join(pagesDir, path), dst = join(staging, path);
      if (e.isDirectory() && (holding.has(path) || existsSync(dst))) {
        mkdirSync(dst, { recursive: true });
        move(path);
      } else if (!skip.has(path)) {
        try {
          renameSync(src, dst);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
          place(path, e.isDirectory());
        }
      }
    }
  };
  const place = (path: string, isDir: boolean): void => {
    if (!isDir) return placer.place(join(pagesDir, path), join(staging, path));
    for (const e of readdirSync(join(pagesDir, path), { withFileTypes: true })) place(`${path}/${e.name}`, e.isDirectory());
  };
  move('');
}

/**
 * Moves each repo's own page from where Astro rendered it (repoIndexPagePath) to index.html at
 * the repo's path in `pagesDir`, then drops the render directory. Throws the fs error.
 */
export function placeRepoPages(pagesDir: string, repos: readonly { id: string; path: string }[]): void {
  for (const r of repos) {
    if (!r.path) continue;
    const from = join(pagesDir, repoIndexPagePath(r.id), 'index.html');
    if (!existsSync(from)) continue;
    mkdirSync(join(pagesDir, r.path), { recursive: true });
    renameSync(from, join(pagesDir, r.path, 'index.html'));
  }
  rmSync(join(pagesDir, PAGE_NAMESPACE, 'repo-index'), { recursive: true, force: true });
}
