/**
 * Detects site pages whose output path equals a mirror path case-insensitively (think
 * `Packages/` vs `packages/` on a case-insensitive disk). Mirror paths always win; a
 * colliding page is left out of the site and reported.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * All file paths under `dir`, '/'-separated and relative. Synchronous: a site has a
 * directory per package page, and one thread-pool round trip per directory costs more than
 * the listing. Throws the fs error of a directory that cannot be read.
 */
export function listFiles(dir: string, prefix = '', out: string[] = []): string[] {
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) listFiles(dir, rel, out);
    else out.push(rel);
  }
  return out;
}

/**
 * Returns `[pagePath, mirrorPath]` pairs where a rendered file (or one of its parent
 * directories) equals a mirror path or a mirror path's directory, ignoring case.
 */
export function findCollisions(pagePaths: string[], mirrorPaths: string[]): [string, string][] {
  const mirror = new Map<string, string>();
  const addWithParents = (p: string) => {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (!mirror.has(sub.toLowerCase())) mirror.set(sub.toLowerCase(), sub);
    }
  };
  mirrorPaths.forEach(addWithParents);
  const out: [string, string][] = [];
  for (const page of pagePaths) {
    const parts = page.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      const hit = mirror.get(sub.toLowerCase());
      // A page inside a mirror directory is fine (repo index.html); equal names are not,
      // nor a page directory spelled differently from a mirror directory.
      if (hit !== undefined && (i === parts.length || hit !== sub)) { out.push([page, hit]); break; }
    }
  }
  return out;
}
