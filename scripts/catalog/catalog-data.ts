/**
 * The catalog: what the site pages show, derived from the same package records as the
 * repodata (one source of truth). `catalog.json` holds the repos and one row per package
 * name; each package page's detail is a separate JSON file (see package-pages.ts), so the
 * page build never holds every file list and changelog at once.
 */
import type { DebPageData } from './deb-pages.ts';
import { writeFile } from 'node:fs/promises';
import { compareEvr, type PackageRecord, type RepomdRecord } from '../formats/format.ts';
import type { ExtraMetadata } from './extra-metadata.ts';
import { packagePagePath, repoFilePath, repoListPagePath } from './page-paths.ts';
import { repoBaseurl, repoSection, type RepoFile, type RepomdTrust, type SiteRepo } from '../generators/repo-sets.ts';
import type { RepoTrust } from '../trust/repo-trust.ts';
import type { Diagnostic } from '../errors/catalogue.ts';
import type { Settings } from '../generators/settings.ts';
import type { RunbookValues } from '../generators/runbook-values.ts';
import type { AptPoolReadiness } from '../preflight/apt-preflight.ts';
import type { PreflightResult } from '../preflight/dtk-preflight.ts';
import type { ClusterData } from '../cluster/cluster-data.ts';

/** One row of a repo page: a package name with its latest EVR per arch. Sizes in bytes. */
export interface CatalogPackageRow {
  name: string;
  /** Latest `[epoch:]version-release` of this name and arch. */
  evr: string;
  arch: string;
  summary: string;
  /** Number of versions of this name and arch in the repo. */
  versions: number;
  size: number;
  /** Package page, relative to the site root. */
  page: string;
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
  /** Signing key IDs seen on the repo's packages, with how many packages each signed. */
  keyIds: { keyId: string; packages: number }[];
  /** Keys, verification counts and the gpgcheck decision. */
  trust: RepoTrust;
  /** The `.repo` section for this repo, and where the downloadable file is (site-relative). */
  repoFile: string;
  repoFileHref: string;
  arches: string[];
  rows: CatalogPackageRow[];
  extras: ExtraMetadata;
  /** The upstream baseurl `sync` took this repo from, when it did. */
  upstream?: string;
}

/** The whole catalog. `builtAt` in epoch seconds. */
export interface CatalogData {
  /** The cluster's node pools and the images they need (`build --nodes`), when given. */
  cluster?: ClusterData;
  /** Values the mirror cannot know (config `settings:`), for runbooks and generators. */
  settings: Settings;
  /** The runbooks' values, made by the build (generators/runbook-values.ts). */
  runbook: RunbookValues;
  /** The apt repos (Ubuntu node pools): id, path, suite, component, architectures, package count, bytes. */
  aptRepos: { id: string; path: string; suite: string; component: string; arches: string[]; packageCount: number;
    totalSize: number }[];
  /** One page per package name per apt repo (deb-pages.ts); empty with --repodata-only. */
  debPages: DebPageData[];
  /** Site path of their deb822 `.sources` file. */
  aptSourcesHref: string;
  /** Per Ubuntu node pool of `--nodes`: can its driver builds get their packages from these apt repos. */
  aptPreflight: AptPoolReadiness[];
  /** The key that signed the repomd.xml files the build wrote: fingerprint and site path of its public key. */
  signing?: { fingerprint: string; keyHref: string };
  /** .repo files per repo set (ubi.repo, cuda.repo, redhat.repo...). */
  repoFiles: RepoFile[];
  /** DTK preflight per kernel version found in the mirror. */
  preflight: PreflightResult[];
  /** Every problem the build reported (for the verify page). */
  problems: Diagnostic[];
  toolVersion: string;
  baseUrl: string;
  /** True when baseUrl is the placeholder because no --base-url was given. */
  baseUrlIsPlaceholder: boolean;
  builtAt: number;
  /** The `.repo` file for all repos and where it is downloadable (site-relative). */
  repoFile: string;
  repoFileHref: string;
  repos: CatalogRepo[];
}

const evrString = (p: Pick<PackageRecord, 'epoch' | 'version' | 'release'>) => `${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}`;

/**
 * Rows of a repo's package list per page: the repo page shows the first ROWS_ON_PAGE names
 * and links the others' pages by the names they span, so a 25,000-name repo's page is
 * 120 KB instead of 5.7 MB.
 */
export const ROWS_ON_PAGE = 500;

/** One page of a repo's package list: its number (from 1), site path, row range [from, to) and the names it spans. */
export interface RowPage { n: number; path: string; from: number; to: number; first: string; last: string }

/** The pages of `repo`'s package list (one, holding every row, for ROWS_ON_PAGE rows or fewer). */
export function rowPages(repo: Pick<CatalogRepo, 'id' | 'path' | 'rows'>): RowPage[] {
  const out: RowPage[] = [];
  for (let from = 0, n = 1; from < repo.rows.length || n === 1; from += ROWS_ON_PAGE, n++) {
    const to = Math.min(from + ROWS_ON_PAGE, repo.rows.length);
    out.push({ n, path: n === 1 ? `${repo.path}/` : repoListPagePath(repo.id, n), from, to,
      first: repo.rows[from]?.name ?? '', last: repo.rows[to - 1]?.name ?? '' });
  }
  return out;
}

/** Builds one catalog repo from its records, repomd entries and extra metadata. */
export function catalogRepo(r: { id: string; name: string; path: string }, packages: PackageRecord[], repomd: RepomdRecord[],
  revision: number, keyFiles: string[], baseUrl: string, extras: ExtraMetadata, trust: RepoTrust, repomdTrust: RepomdTrust): CatalogRepo {
  const baseurl = repoBaseurl(baseUrl, r.path);
  const keyCounts = new Map<string, number>();
  for (const p of packages) for (const k of new Set(p.signatures.map((s) => s.keyId))) keyCounts.set(k, (keyCounts.get(k) ?? 0) + 1);
  const rows = new Map<string, { latest: PackageRecord; versions: number }>();
  for (const p of packages) {
    const key = `${p.name}\0${p.arch}`;
    const cur = rows.get(key);
    if (!cur) rows.set(key, { latest: p, versions: 1 });
    else {
      cur.versions++;
      if (compareEvr(p, cur.latest) > 0) cur.latest = p;
    }
  }
  return {
    id: r.id, name: r.name, path: r.path, baseurl,
    packageCount: packages.length,
    totalSize: packages.reduce((s, p) => s + p.sizePackage, 0),
    revision,
    metadataTypes: repomd.map((m) => m.type),
    keyFiles,
    keyIds: [...keyCounts].map(([keyId, n]) => ({ keyId, packages: n })).sort((a, b) => a.keyId.localeCompare(b.keyId)),
    trust,
    repoFile: repoSection(siteRepo(r, keyFiles, packages.length, trust, repomdTrust), baseUrl).text,
    repoFileHref: repoFilePath(r.id),
    arches: [...new Set(packages.map((p) => p.arch))].sort(),
    rows: [...rows.values()]
      .map(({ latest: p, versions }) => ({ name: p.name, evr: evrString(p), arch: p.arch, summary: p.summary, versions, size: p.sizePackage, page: packagePagePath(r.id, p.name) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch.localeCompare(b.arch))),
    extras,
  };
}

/** The generator view of a repo (id, path, key files, gpgcheck decision inputs). */
export function siteRepo(r: { id: string; name: string; path: string }, keyFiles: string[], packageCount: number, trust: RepoTrust,
  repomdTrust: RepomdTrust): SiteRepo {
  return { id: r.id, name: r.name, path: r.path, keyFiles, packageCount, gpgkeyFiles: trust.signingKeyFiles,
    ...(trust.gpgcheckOffReason ? { gpgcheckOffReason: trust.gpgcheckOffReason } : {}),
    ...('key' in repomdTrust ? { repomdKey: repomdTrust.key } : { repomdKeyOffReason: repomdTrust.offReason }) };
}

/** Writes the catalog JSON. */
export async function writeCatalog(file: string, data: CatalogData): Promise<void> {
  await writeFile(file, JSON.stringify(data));
}
