/**
 * Astro content loaders for the catalog. The build writes a catalog directory (path in the
 * AIRGAP_CATALOG_DIR environment variable) holding `catalog.json`, `packages.json` (one
 * pointer per package page) and the package page data (`packages/pages.jsonl`); the `repos`
 * and `packages` collections read it. Without the variable both collections are empty.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogData } from './catalog-data.ts';
import { resolveSettings } from '../generators/settings.ts';
import { runbookValues } from '../generators/runbook-values.ts';
import type { PackagePageData, PackagePageEntry } from './package-pages.ts';

/** Environment variable naming the catalog directory for the Astro build. */
export const CATALOG_ENV = 'AIRGAP_CATALOG_DIR';
/** File inside the catalog directory holding the repos (CatalogData). */
export const CATALOG_FILE = 'catalog.json';
/** File inside the catalog directory holding one pointer per package page (PackagePageEntry[]). */
export const PACKAGES_FILE = 'packages.json';

const EMPTY_SETTINGS = resolveSettings(undefined);
/** The catalog of a site with no repo (what the collections read without AIRGAP_CATALOG_DIR). */
export const EMPTY_CATALOG: CatalogData = { settings: EMPTY_SETTINGS, runbook: runbookValues({ settings: EMPTY_SETTINGS, kernels: [], repoFiles: [],
  syncRepos: [], aptSources: '', https: false }, () => {}), aptRepos: [], debPages: [], aptSourcesHref: '', aptPreflight: [], repoFiles: [], preflight: [], problems: [], toolVersion: '', baseUrl: 'http://mirror-host/', baseUrlIsPlaceholder: true, builtAt: 0, repoFile: '', repoFileHref: '', repos: [] };

async function readJson<T>(name: string, fallback: T): Promise<T> {
  const dir = process.env[CATALOG_ENV];
  return dir ? (JSON.parse(await readFile(join(dir, name), 'utf8')) as T) : fallback;
}

let catalog: { dir: string | undefined; data: Promise<CatalogData> } | undefined;
/**
 * The catalog the current build wrote, read once per catalog directory (every runbook and the
 * home, verify, cluster and DTK pages ask for it; at 30,000 packages it is megabytes of JSON).
 * One object is shared: callers must not modify it. Rejects with the fs or JSON error.
 */
export function readCatalog(): Promise<CatalogData> {
  const dir = process.env[CATALOG_ENV];
  if (!catalog || catalog.dir !== dir) catalog = { dir, data: readJson(CATALOG_FILE, EMPTY_CATALOG) };
  return catalog.data;
}

/**
 * The detail data of one package page (read when that page renders): `length` bytes at
 * `offset` of its file. Synchronous: pages render one after another, and the thread-pool
 * round trips of promise reads add up to seconds over 10,000 pages. Throws the fs or JSON error.
 */
export function readPackagePage(entry: Pick<PackagePageEntry, 'file' | 'offset' | 'length'>): PackagePageData {
  const fd = openSync(entry.file, 'r');
  try {
    const bytes = Buffer.alloc(entry.length);
    if (readSync(fd, bytes, 0, entry.length, entry.offset) !== entry.length) throw new Error(`${entry.file}: page data cut short`);
    return JSON.parse(bytes.toString('utf8')) as PackagePageData;
  } finally {
    closeSync(fd);
  }
}

type Store = { clear(): void; set(e: { id: string; data: Record<string, unknown> }): void };

/** Loader of the `repos` collection: one entry per repo (id = repo id). */
export function reposLoader() {
  return {
    name: 'airgap-repos',
    load: async ({ store }: { store: Store }) => {
      store.clear();
      for (const repo of (await readCatalog()).repos) store.set({ id: repo.id, data: repo as unknown as Record<string, unknown> });
    },
  };
}

/** Loader of the `packages` collection: one small pointer entry per package page. */
export function packagesLoader() {
  return {
    name: 'airgap-packages',
    load: async ({ store }: { store: Store }) => {
      store.clear();
      for (const e of await readJson<PackagePageEntry[]>(PACKAGES_FILE, [])) store.set({ id: e.id, data: e as unknown as Record<string, unknown> });
    },
  };
}
