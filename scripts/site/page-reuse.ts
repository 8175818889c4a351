/**
 * Package pages of unchanged packages are not rendered again, and their page data is not even
 * made. A package page is a pure function of its inputs (the input key of
 * scripts/catalog/package-pages.ts: its versions' package files, the links it shows), its path
 * and the renderer (page templates, catalog helpers, Astro and tool versions). Each build
 * records, in the cache directory beside `--out`, a key per page (sha256 over its path and its
 * input key) and the stamp of the HTML file it produced: size in bytes and modification time
 * in nanoseconds, the check make and rsync use (hashing 25,000 pages' HTML to check them took
 * 4.4 s of a 30,000-package rebuild). The next build renders only pages whose key changed; the
 * others are taken from the live site when their file still has the recorded stamp (a page
 * edited, replaced or lost there is rendered again; a reused page is hard-linked, so it keeps
 * its stamp).
 */
import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { replaceFile } from '../replace-file.ts';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fg from 'fast-glob';
import { sha256 } from '../sha256.ts';
import { TOOL_VERSION } from '../tool-version.ts';
import { PROJECT_ROOT } from './render-pages.ts';

/** File in the cache directory holding the page keys of the last build. */
const PAGES_FILE = 'pages.json';

/** What the last build recorded: renderer key, then per page path its data key and HTML file stamp. */
interface PageRecords { renderKey: string; pages: Record<string, { key: string; stamp: string }> }

/**
 * `<size in bytes>:<mtime in ns>` of a regular file, or undefined when it is missing, unreadable
 * or not a regular file. Synchronous: for thousands of pages one thread-pool round trip per
 * file costs several times the stat.
 */
function fileStamp(file: string): string | undefined {
  try {
    const st = lstatSync(file, { bigint: true });
    return st.isFile() ? `${st.size}:${st.mtimeNs}` : undefined;
  } catch {
    return undefined;
  }
}

/** The HTML file of a directory page (`_site/p/repo/name/` → `_site/p/repo/name/index.html`). */
export const pageFile = (page: string) => `${page}index.html`;

/**
 * Content hash of everything besides a page's data that its HTML depends on: the Astro
 * sources (site/**, astro.config.mjs), the catalog helpers the pages import
 * (scripts/catalog/**), the Astro version and the tool version.
 */
export async function renderKey(): Promise<string> {
  const h = createHash('sha256').update(`${TOOL_VERSION}\0`);
  const astro = (createRequire(join(PROJECT_ROOT, 'package.json'))('astro/package.json') as { version: string }).version;
  h.update(`astro ${astro}\0`);
  const sources = ['site/**', 'scripts/catalog/**', 'astro.config.mjs'];
  const files = (await fg(sources, { cwd: PROJECT_ROOT, onlyFiles: true, dot: true })).sort();
  for (const f of files) h.update(`${f}\0`).update(await readFile(join(PROJECT_ROOT, f))).update('\0');
  return h.digest('hex');
}

/**
 * Which package pages to render and which to take from the live site, decided page by page as
 * the pages are made (needsRender), against the records of the last build.
 */
export class PagePlan {
  /** Pages taken from the live site: page path → its HTML file there and that file's stamp (checked). */
  readonly reuse = new Map<string, { file: string; stamp: string }>();
  /** Key of every page of this build (page path → key). */
  readonly keys = new Map<string, string>();

  readonly renderKey: string;
  private readonly last: PageRecords['pages'] | undefined;
  private readonly outDir: string;

  private constructor(renderKey: string, last: PageRecords['pages'] | undefined, outDir: string) {
    this.renderKey = renderKey;
    this.last = last;
    this.outDir = outDir;
  }

  /**
   * The plan of a build into the live site `outDir` with the records in `cacheDir`. Never
   * throws: a missing or unreadable cache means rendering every page.
   */
  static async open(cacheDir: string, outDir: string): Promise<PagePlan> {
    const key = await renderKey();
    const last = await readFile(join(cacheDir, PAGES_FILE), 'utf8').then((t) => JSON.parse(t) as PageRecords, () => undefined);
    return new PagePlan(key, last?.renderKey === key ? last.pages : undefined, outDir);
  }

  /**
   * Records the key of package page `page` (site path) from its input key (pageInputKey);
   * false when its HTML is taken from the live site (same key as last time, file there with the
   * recorded stamp), true when it must be rendered.
   */
  needsRender(page: string, inputKey: string): boolean {
    const k = sha256(`${page}\0${inputKey}`);
    this.keys.set(page, k);
    const was = this.last?.[page];
    const file = join(this.outDir, pageFile(page));
    const stamp = was?.key === k ? fileStamp(file) : undefined;
    if (!stamp || stamp !== was?.stamp) return true;
    this.reuse.set(page, { file, stamp });
    return false;
  }
}

/**
 * Records this build's pages (their keys and the stamps of their HTML files in the site just put
 * in place, `siteDir`) for the next build; reused pages keep the stamp already checked, and
 * pages left out of the site (`omitted`: file paths, see findCollisions) are not recorded.
 */
export async function savePageRecords(plan: PagePlan, siteDir: string, omitted: ReadonlySet<string>,
  cacheDir: string): Promise<void> {
  const records: PageRecords = { renderKey: plan.renderKey, pages: {} };
  for (const [page, key] of plan.keys) {
    if (omitted.has(pageFile(page))) continue;
    const stamp = plan.reuse.get(page)?.stamp ?? fileStamp(join(siteDir, pageFile(page)));
    if (stamp) records.pages[page] = { key, stamp };
  }
  await replaceFile(join(cacheDir, PAGES_FILE), JSON.stringify(records));
}
