/**
 * Builds the offline search index with Pagefind's Node API over the rendered pages that mark
 * themselves searchable (`data-pagefind-body`: runbooks, groups, errata, modules; package pages
 * have their own index, package-search-index.ts). The index is written under `_site/pagefind/`
 * and loaded by relative URL, so search works from any sub-path and without network access.
 */

/** Indexes the HTML pages in `pagesDir` and writes the bundle to `<pagesDir>/_site/pagefind`; returns the page count. */
export async function buildSearchIndex(pagesDir: string): Promise<number> {
  const pagefind = await import('pagefind'); // loaded only when a search index is built
  const { index, errors } = await pagefind.createIndex({ forceLanguage: 'en' });
  if (!index) throw new Error(`pagefind: ${errors.join('; ')}`);
  try {
    const added = await index.addDirectory({ path: pagesDir, glob: '**/*.html' });
    if (added.errors.length) throw new Error(`pagefind: ${added.errors.join('; ')}`);
    const written = await index.writeFiles({ outputPath: `${pagesDir}/_site/pagefind` });
    if (written.errors.length) throw new Error(`pagefind: ${written.errors.join('; ')}`);
    return added.page_count;
  } finally {
    await index.deleteIndex();
  }
}
