/**
 * Astro content loader for the catalog: reads the JSON written by the build (path in the
 * AIRGAP_CATALOG environment variable) into the `repos` collection, one entry per repo.
 */
import { readFile } from 'node:fs/promises';
import type { CatalogData } from './catalog-data.ts';

/** Environment variable naming the catalog JSON for the Astro build. */
export const CATALOG_ENV = 'AIRGAP_CATALOG';

/** Reads the catalog the current build wrote; an empty catalog when none is set. */
export async function readCatalog(): Promise<CatalogData> {
  const file = process.env[CATALOG_ENV];
  if (!file) return { toolVersion: '', baseUrl: 'http://MIRROR-HOST/', baseUrlIsPlaceholder: true, repos: [] };
  return JSON.parse(await readFile(file, 'utf8')) as CatalogData;
}

/** The loader object Astro calls (`{ name, load }`). */
export function catalogLoader() {
  return {
    name: 'airgap-catalog',
    load: async ({ store }: { store: { clear(): void; set(e: { id: string; data: Record<string, unknown> }): void } }) => {
      store.clear();
      const data = await readCatalog();
      for (const repo of data.repos) store.set({ id: repo.id, data: repo as unknown as Record<string, unknown> });
    },
  };
}
