/**
 * Rendered pages move into the staging site: whole directories the staging site lacks go
 * with one rename (same inode afterwards), shared directories are merged, skipped pages and
 * the mirror's files stay as they were, and across filesystems every file is still placed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { movePages } from '../../scripts/site/move-pages.ts';
import { FilePlacer } from '../../scripts/site/link-packages.ts';
import { listFiles } from '../../scripts/site/page-collisions.ts';

const roots: string[] = [];
const tempDir = (parent = tmpdir()) => { const d = mkdtempSync(join(parent, 'airgap-move-')); roots.push(d); return d; };
afterAll(() => { for (const d of roots) rmSync(d, { recursive: true, force: true }); });

const put = (root: string, files: Record<string, string>) => {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
};

const MIRROR = { 'repo/Packages/x.rpm': 'rpm bytes', 'repo/repodata/repomd.xml': '<repomd/>' };
const PAGES = {
  'index.html': 'home',
  '_site/p/repo/a/index.html': 'page a',
  '_site/p/repo/b/index.html': 'page b',
  '_site/pagefind/fragment/one.pf_fragment': 'fragment',
  'repo/index.html': 'repo page',
  'repo/packages/index.html': 'collides with repo/Packages',
};
const SKIP = new Set(['repo/packages/index.html']);

function check(staging: string, pagesDir: string) {
  const expected = { ...MIRROR, ...PAGES } as Record<string, string>;
  delete expected['repo/packages/index.html'];
  expect(listFiles(staging).sort()).toEqual(Object.keys(expected).sort());
  for (const [rel, text] of Object.entries(expected)) expect(readFileSync(join(staging, rel), 'utf8'), rel).toBe(text);
  // the skipped page stayed behind
  expect(readFileSync(join(pagesDir, 'repo/packages/index.html'), 'utf8')).toBe('collides with repo/Packages');
}

describe('movePages', () => {
  let staging: string, pagesDir: string;
  beforeAll(() => {
    staging = tempDir();
    pagesDir = tempDir();
    put(staging, MIRROR);
    put(pagesDir, PAGES);
  });

  it('renames whole directories the staging site lacks and merges the rest', () => {
    const siteDirInode = statSync(join(pagesDir, '_site')).ino;
    const placer = new FilePlacer();
    movePages(pagesDir, staging, SKIP, placer);
    check(staging, pagesDir);
    expect(statSync(join(staging, '_site')).ino).toBe(siteDirInode); // one rename, not 3 files
    expect(placer.linked + placer.copied).toBe(0);
    // all that is left to delete of the render directory: the skipped page and its directories
    expect(listFiles(pagesDir)).toEqual(['repo/packages/index.html']);
  });

  it('places every file when the pages are on another filesystem', () => {
    const other = tempDir('/dev/shm'); // /dev/shm is a tmpfs on every Linux machine CI runs on
    expect(statSync(other).dev, '/dev/shm must be another file system than the temporary directory').not.toBe(statSync(tmpdir()).dev);
    const staging2 = tempDir();
    put(staging2, MIRROR);
    put(other, PAGES);
    const placer = new FilePlacer();
    movePages(other, staging2, SKIP, placer);
    check(staging2, other);
    expect(placer.copied).toBe(Object.keys(PAGES).length - SKIP.size);
  });
});
