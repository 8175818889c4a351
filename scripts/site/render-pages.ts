/**
 * Renders the human pages with Astro's programmatic `build()` into a directory: the home
 * page, and each repo's page as `<repo path>/index.html`; assets under `_site/`.
 */
import { build } from 'astro';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG_ENV } from '../catalog/catalog-loader.ts';

/** The project root (where astro.config.mjs lives). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the pages for the catalog in `catalogFile` into `outDir` (which Astro may empty first). */
export async function renderPages(catalogFile: string, outDir: string): Promise<void> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'airgap-astro-'));
  const previous = process.env[CATALOG_ENV];
  process.env[CATALOG_ENV] = catalogFile;
  process.env.ASTRO_TELEMETRY_DISABLED = '1';
  try {
    await build({ root: PROJECT_ROOT, outDir, cacheDir, logLevel: 'error' });
  } finally {
    if (previous === undefined) delete process.env[CATALOG_ENV];
    else process.env[CATALOG_ENV] = previous;
    await rm(cacheDir, { recursive: true, force: true });
  }
}
