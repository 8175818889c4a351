/**
 * The catalog: what the site pages show, derived from the same package records as the
 * repodata (one source of truth). Written as one JSON file that the Astro content loader
 * (catalog-loader.ts) reads.
 */
import { writeFile } from 'node:fs/promises';
import type { PackageRecord } from '../rpm/package-record.ts';
import type { RepomdRecord } from '../repodata/repomd-xml.ts';
import { repoFileSection } from './repo-file.ts';

/** One package row of a repo page. Sizes in bytes. */
export interface CatalogPackage {
  name: string; epoch: string; version: string; release: string; arch: string;
  summary: string; description: string; href: string; size: number; pkgid: string; keyIds: string[];
}

/** One repo of the catalog. `revision` in epoch seconds; sizes in bytes. */
export interface CatalogRepo {
  id: string;
  name: string;
  /** Path relative to the site root ('' for a repo at the root). */
  path: string;
  /** Absolute baseurl on the configured base URL. */
  baseurl: string;
  packageCount: number;
  totalSize: number;
  revision: number;
  /** Metadata types in repomd.xml (primary, filelists, other, group, updateinfo, modules...). */
  metadataTypes: string[];
  /** OpenPGP key files found in the repo directory, relative to the repo. */
  keyFiles: string[];
  /** The `.repo` section for this repo. */
  repoFile: string;
  packages: CatalogPackage[];
}

/** The whole catalog. */
export interface CatalogData {
  toolVersion: string;
  baseUrl: string;
  /** True when baseUrl is the placeholder because no --base-url was given. */
  baseUrlIsPlaceholder: boolean;
  repos: CatalogRepo[];
}

/** Builds one catalog repo from its records and repomd entries. */
export function catalogRepo(r: { id: string; name: string; path: string }, packages: PackageRecord[], repomd: RepomdRecord[], revision: number, keyFiles: string[], baseUrl: string): CatalogRepo {
  const baseurl = new URL(r.path ? `${r.path}/` : '', baseUrl).href;
  const signedByAll = packages.length > 0 && packages.every((p) => p.signatures.length > 0);
  return {
    id: r.id, name: r.name, path: r.path, baseurl,
    packageCount: packages.length,
    totalSize: packages.reduce((s, p) => s + p.sizePackage, 0),
    revision,
    metadataTypes: repomd.map((m) => m.type),
    keyFiles,
    repoFile: repoFileSection({ id: r.id, name: r.name, baseurl, gpgkeys: signedByAll ? keyFiles.map((k) => new URL(k, baseurl).href) : [] }),
    packages: packages.map((p) => ({
      name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, summary: p.summary, description: p.description,
      href: p.locationHref, size: p.sizePackage, pkgid: p.pkgid, keyIds: [...new Set(p.signatures.map((s) => s.keyId))],
    })).sort((a, b) => a.name.localeCompare(b.name) || a.arch.localeCompare(b.arch)),
  };
}

/** Writes the catalog JSON (UTF-8, sorted as given). */
export async function writeCatalog(file: string, data: CatalogData): Promise<void> {
  await writeFile(file, JSON.stringify(data));
}
