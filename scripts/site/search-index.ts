/**
 * Builds the offline search index with Pagefind's Node API over the rendered pages that mark
 * themselves searchable (`data-pagefind-body`: runbooks, groups, errata, modules; package pages
 * have their own index, package-search-index.ts). The index is written under `_site/pagefind/`
 * and loaded by relative URL, so search works from any sub-path and without network access.
 * Package pages (`_site/p/`) are never handed to Pagefind: given the whole directory it reads
 * and parses every page before skipping the unmarked ones (past 13 GB of memory on a
 * 30,000-package mirror).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fg from 'fast-glob';
import { PAGE_NAMESPACE } from '../catalog/page-paths.ts';

/**
 * Indexes the searchable HTML pages in `pagesDir` and writes the bundle to
 * `<pagesDir>/_site/pagefind`; returns the number of pages indexed. Throws Pagefind's errors.
 */
export async function buildSearchIndex(pagesDir: string): Promise<number> {
  const pagefind = await import('pagefind'); // loaded only when a search index is built
  const { index, errors } = await pagefind.createIndex({ forceLanguage: 'en' });
  if (!index) throw new Error(`pagefind: ${errors.join('; ')}`);
  try {
    let pages = 0;
    const files = (await fg('**/*.html', { cwd: pagesDir, ignore: [`${PAGE_NAMESPACE}/p/**`] })).sort(); // same order, same index
    for (const sourcePath of files) {
      const content = readFileSync(join(pagesDir, sourcePath), 'utf8');
      if (!content.includes('data-pagefind-body')) continue; // Pagefind would skip it too, as another page is marked
      const added = await index.addHTMLFile({ sourcePath, content });
      if (added.errors.length) throw new Error(`pagefind: ${sourcePath}: ${added.errors.join('; ')}`);
      pages++;
    }
    const written = await index.writeFiles({ outputPath: `${pagesDir}/_site/pagefind` });
    if (written.errors.length) throw new Error(`pagefind: ${written.errors.join('; ')}`);
    return pages;
  } finally {
    await index.deleteIndex();
  }
}
