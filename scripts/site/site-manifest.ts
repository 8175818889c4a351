/**
 * The manifest every built site carries at its root (`.airgap-mirror-site.json`): tool
 * version, base URL and the repos with what generators need (id, name, path, key files,
 * package count, whether every package is signed). Commands that work on a built site
 * (repo-files, repo-config, repo-lint) read it instead of re-indexing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors/exit-codes.ts';
import type { AptSiteRepo } from '../generators/apt-sources.ts';
import type { SiteRepo } from '../generators/repo-sets.ts';
import { SITE_MARKER } from './output-dir.ts';

/**
 * Contents of the site manifest: `repos` the RPM repos, `aptRepos` the apt repos with their package
 * counts (absent in sites built before apt was a format), `signed` whether the site key signed the
 * indices (its public key then at SITE_KEY_PATH).
 */
export interface SiteManifest {
  tool: 'airgap-mirror'; version: string; baseUrl: string; baseUrlIsPlaceholder: boolean; repos: SiteRepo[];
  aptRepos?: (AptSiteRepo & { packageCount: number })[]; signed?: boolean;
}

/** The packages a site holds by its manifest: every RPM and every apt repo's. */
export function manifestPackageCount(m: SiteManifest): number {
  return [...m.repos, ...m.aptRepos ?? []].reduce((n, r) => n + r.packageCount, 0);
}

/** Reads `<siteDir>/.airgap-mirror-site.json`; throws UsageError when the directory is not a built site. */
export async function readSiteManifest(siteDir: string): Promise<SiteManifest> {
  try {
    return JSON.parse(await readFile(join(siteDir, SITE_MARKER), 'utf8')) as SiteManifest;
  } catch {
    throw new UsageError(`${siteDir} is not a site built by airgap-mirror (no ${SITE_MARKER}); run airgap-mirror build first`);
  }
}
