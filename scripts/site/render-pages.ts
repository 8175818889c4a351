/**
 * Renders the human pages with Astro's programmatic `build()` into a directory: the home
 * page, and each repo's page as `<repo path>/index.html`; assets under `_site/`.
 * Astro writes generated types and its data store under its root (`.astro/`) and cache
 * dir; both go to a per-process temporary directory (removed when the process exits,
 * after Astro's deferred writes), so the installed project tree is never written to.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG_ENV } from '../catalog/catalog-loader.ts';

/** The project root (where astro.config.mjs lives). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let scratch: string | undefined;
/** A temporary Astro root for this process: a copy of the pages and config, links to packages and scripts. */
function astroScratch(): string {
  if (!scratch) {
    const dir = mkdtempSync(join(tmpdir(), 'airgap-astro-'));
    scratch = dir;
    // Astro source is copied (its compiler keys metadata by path, so no symlinks there);
    // packages and the build scripts the pages import are linked.
    for (const name of ['site', 'content', 'public', 'astro.config.mjs']) cpSync(join(PROJECT_ROOT, name), join(dir, name), { recursive: true });
    for (const name of ['node_modules', 'scripts']) symlinkSync(join(PROJECT_ROOT, name), join(dir, name));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
}

let builds = 0;
/**
 * Builds the pages for the catalog in `catalogFile`; returns the directory holding them
 * (inside the scratch root, valid until the process exits). Astro puts its prerender
 * chunks under the output directory only when that is inside the working directory, and
 * those chunks import packages, so the build runs with the scratch root as cwd.
 */
export async function renderPages(catalogDir: string): Promise<string> {
  const root = astroScratch();
  const n = ++builds;
  const cacheDir = join(root, `cache-${n}`);
  const outDir = join(root, `out-${n}`);
  mkdirSync(cacheDir);
  const cwd = process.cwd();
  const previous = process.env[CATALOG_ENV];
  process.env[CATALOG_ENV] = catalogDir;
  process.env.ASTRO_TELEMETRY_DISABLED = '1';
  try {
    process.chdir(root);
    const { build } = await import('astro'); // loaded only when pages are rendered
    await build({
      root,
      outDir,
      cacheDir,
      vite: { cacheDir: join(cacheDir, 'vite') },
      logLevel: 'silent', // a failure is thrown and reported by the caller in one line, never Astro's stack trace
    });
    return outDir;
  } finally {
    process.chdir(cwd);
    if (previous === undefined) delete process.env[CATALOG_ENV];
    else process.env[CATALOG_ENV] = previous;
  }
}
