/**
 * Renders the site with a second core: Astro renders pages one after another in one thread
 * (1.8 ms a package page, 45 s of a 30,000-package build), so with enough package pages and a
 * second core they are shared between this process and one child process running its own
 * Astro build. This process renders every other page and its share of package pages; the
 * child renders the rest with a catalog that has no repos (so its other pages are trivial)
 * and hands back only its package pages, which are merged in. A package page is a function of
 * its own page data alone, so the split output is the same bytes as one build's (tested).
 * A rebuild of a big site, with few pages to render, has the child render them all while
 * this process writes the package search index.
 * Run as a script, this file is that child: `render-split.ts <catalog dir> <dest dir>`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogData } from '../catalog/catalog-data.ts';
import { CATALOG_FILE, PACKAGES_FILE } from '../catalog/catalog-loader.ts';
import { PAGE_NAMESPACE } from '../catalog/page-paths.ts';
import type { PackagePageEntry } from '../catalog/package-pages.ts';
import type { FilePlacer } from './link-packages.ts';
import { movePages } from './move-pages.ts';
import { renderPages } from './render-pages.ts';

/**
 * Package pages to render from which a child process takes a share (below it, the child's
 * own Astro start, about 3 s, costs more than it saves). Environment
 * AIRGAP_MIRROR_RENDER_SPLIT_FROM overrides it (the tests set 1).
 */
export const RENDER_SPLIT_FROM = Number(process.env.AIRGAP_MIRROR_RENDER_SPLIT_FROM ?? 2000);

/**
 * Share of the package pages (by bytes of page data) this process keeps. Measured on the
 * 30,000-package bench corpus, it renders at about the child's rate even with the other pages
 * and the whole catalog in its heap: keeping 40%, it finished in 26.5 s and waited 10.2 s for
 * the child.
 */
const OWN_SHARE = 0.5;

/** Directory of package pages inside a rendered site. */
const PACKAGE_PAGES = `${PAGE_NAMESPACE}/p`;

/** How the pages were rendered: all here, shared with a child, or all in a child while this process worked. */
export type RenderMode = 'here' | 'shared' | 'child';

/** What renderSite is given: the catalog, the package pages to render and the job to run beside the rendering. */
export interface RenderJob {
  /** Directory holding catalog.json (written already); packages.json is written here. */
  catalogDir: string;
  catalog: CatalogData;
  /** Package pages to render. */
  entries: PackagePageEntry[];
  /** Package pages of the whole site, rendered or reused (sizes the work beside the rendering). */
  sitePages: number;
  /**
   * Synchronous work that needs no rendered page (the package search index). It runs while a
   * child renders when one does, else after this process's own rendering; exactly once.
   */
  meanwhile: () => void;
  /** Scratch space for the child's catalog and pages. */
  work: string;
  placer: FilePlacer;
}

/**
 * Renders every page of the catalog with the package pages of `job.entries` and runs
 * `job.meanwhile`; returns the directory holding the pages (as renderPages does) and how they
 * were rendered:
 * - `shared`, with RENDER_SPLIT_FROM package pages or more to render and a second core: half
 *   here, half in a child;
 * - `child`, with fewer to render (a rebuild) but a site of that many package pages and a
 *   second core: all in a child, so the package search index (7 s at 30,000 packages) is
 *   written here meanwhile instead of after Astro's fixed cost of about 5 s;
 * - `here` otherwise.
 * Throws Astro's error, or an Error carrying the child's exit status and the end of its stderr.
 */
export async function renderSite(job: RenderJob): Promise<{ pagesDir: string; mode: RenderMode }> {
  const { catalogDir, entries, work } = job;
  const mode: RenderMode = availableParallelism() < 2 ? 'here' : entries.length >= RENDER_SPLIT_FROM ? 'shared'
    : job.sitePages >= RENDER_SPLIT_FROM ? 'child' : 'here';
  const childPages = join(work, 'pages-child');
  if (mode !== 'shared') {
    await writeFile(join(catalogDir, PACKAGES_FILE), JSON.stringify(entries));
    if (mode === 'child') {
      await besideChild(renderInChild(catalogDir, childPages), job.meanwhile);
      return { pagesDir: childPages, mode };
    }
    const pagesDir = await renderPages(catalogDir);
    job.meanwhile();
    return { pagesDir, mode };
  }
  const [own, theirs] = divide(entries);
  await writeFile(join(catalogDir, PACKAGES_FILE), JSON.stringify(own));
  const childCatalog = join(work, 'catalog-child');
  mkdirSync(childCatalog, { recursive: true });
  const repoless: CatalogData = { ...job.catalog, repos: [], debPages: [], problems: [], preflight: [] };
  await writeFile(join(childCatalog, CATALOG_FILE), JSON.stringify(repoless));
  await writeFile(join(childCatalog, PACKAGES_FILE), JSON.stringify(theirs));
  let pagesDir = '';
  await besideChild(renderInChild(childCatalog, childPages), async () => {
    pagesDir = await renderPages(catalogDir);
    job.meanwhile();
  });
  mkdirSync(join(pagesDir, PACKAGE_PAGES), { recursive: true });
  if (existsSync(join(childPages, PACKAGE_PAGES))) {
    movePages(join(childPages, PACKAGE_PAGES), join(pagesDir, PACKAGE_PAGES), new Set(), job.placer);
  }
  return { pagesDir, mode };
}

/** Runs `work` while `child` renders, then waits for the child; if `work` throws, the child is killed first. */
async function besideChild(child: ReturnType<typeof renderInChild>, work: () => unknown): Promise<void> {
  try {
    await work();
  } catch (err) {
    child.cancel();
    await child.done.catch(() => undefined);
    throw err;
  }
  await child.done;
}

/** Entries split by bytes of page data: the first OWN_SHARE for this process, the rest for the child. */
function divide(entries: PackagePageEntry[]): [PackagePageEntry[], PackagePageEntry[]] {
  const total = entries.reduce((s, e) => s + e.length, 0);
  let sum = 0, at = 0;
  while (at < entries.length && sum + entries[at]!.length <= total * OWN_SHARE) sum += entries[at++]!.length;
  return [entries.slice(0, at), entries.slice(at)];
}

const SELF = fileURLToPath(import.meta.url);
const STDERR_KEPT = 4096;

/** Starts the child render; `done` settles when it exits (rejecting on failure), `cancel` kills it. */
function renderInChild(catalogDir: string, dest: string): { done: Promise<void>; cancel: () => void } {
  const child = spawn(process.execPath, [SELF, catalogDir, dest], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr = (stderr + s).slice(-STDERR_KEPT); });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill); // a build stopped by Ctrl-C or TERM takes its child along
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      process.removeListener('exit', kill);
      const status = signal ?? `exit ${code}`;
      if (code === 0) resolve();
      else reject(new Error(`the page renderer process failed (${status}): ${stderr.trim() || 'no message'}`));
    });
  });
  return { done, cancel: kill };
}

if (process.argv[1] === SELF) {
  const [catalogDir, dest] = process.argv.slice(2);
  if (!catalogDir || !dest) {
    process.stderr.write('usage: render-split.ts <catalog dir> <dest dir>\n');
    process.exit(2);
  }
  // Astro's output is inside this process's scratch root, removed when it exits: move it out first
  renameSync(await renderPages(catalogDir), dest);
}
