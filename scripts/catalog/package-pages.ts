/**
 * Detail data of package pages: one JSON file per package name per repo, holding every
 * version's primary/filelists/other fields, dependencies with their providers in the
 * mirror, reverse dependencies ("required by"), files and changelog. Files are written one
 * at a time so memory does not hold all page data at once.
 */
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEPENDENCY_KINDS, nevra, type Dependency, type DependencyKind, type PackageRecord } from '../rpm/package-record.ts';
import type { DependencyIndex, PackageRef } from './dependency-index.ts';
import { packagePagePath, slug, versionAnchor } from './page-paths.ts';
import { sha256 } from '../bundle/manifest.ts';

/** A link to a package version page (site-relative href with anchor). */
export interface PackageLink { nevra: string; repoId: string; href: string }

/** One dependency as shown: its text and, for requires-like kinds, the providers in the mirror. */
export interface DependencyView { text: string; pre: boolean; providers?: PackageLink[] }

/** One version of a package as its page shows it. Times in epoch seconds, sizes in bytes. */
export interface VersionView {
  nevra: string; anchor: string; epoch: string; version: string; release: string; arch: string;
  pkgid: string; summary: string; description: string; url: string; license: string; vendor: string;
  group: string; packager: string; buildhost: string; sourcerpm: string;
  timeBuild: number; timeFile: number; sizePackage: number; sizeInstalled: number; sizeArchive: number;
  /** Download path relative to the repo root. */
  href: string;
  headerStart: number; headerEnd: number;
  signatures: { keyId: string; algorithm: string; hash: string; version: number; created?: number; verdict: string }[];
  /** Digest problems when the package was kept despite them (--keep-corrupt). */
  corrupt: boolean;
  digestProblems: string[];
  deps: Partial<Record<DependencyKind, DependencyView[]>>;
  requiredBy: PackageLink[];
  files: { path: string; type: string }[];
  changelogs: { author: string; date: number; text: string }[];
}

/** Everything one package page needs. */
export interface PackagePageData { repoId: string; repoName: string; repoPath: string; name: string; versions: VersionView[] }

const OP: Record<string, string> = { LT: '<', GT: '>', EQ: '=', LE: '<=', GE: '>=' };

/** `name [op [epoch:]version[-release]]` as rpm prints a dependency. */
export function dependencyText(d: Dependency): string {
  if (!d.flags) return d.name;
  return `${d.name} ${OP[d.flags]} ${d.epoch && d.epoch !== '0' ? `${d.epoch}:` : ''}${d.version ?? ''}${d.release ? `-${d.release}` : ''}`;
}

const link = (r: PackageRef): PackageLink => ({ nevra: r.nevra, repoId: r.repoId, href: `${packagePagePath(r.repoId, r.name)}#${versionAnchor(r.nevra)}` });
const RESOLVED_KINDS = new Set<DependencyKind>(['requires', 'recommends', 'suggests', 'supplements', 'enhances']);

function versionView(p: PackageRecord, index: DependencyIndex): VersionView {
  const deps: VersionView['deps'] = {};
  for (const kind of DEPENDENCY_KINDS) {
    if (!p.deps[kind].length) continue;
    deps[kind] = p.deps[kind].map((d) => ({ text: dependencyText(d), pre: !!d.pre, ...(RESOLVED_KINDS.has(kind) ? { providers: index.providers(d).map(link) } : {}) }));
  }
  const n = nevra(p);
  return {
    nevra: n, anchor: versionAnchor(n), epoch: p.epoch, version: p.version, release: p.release, arch: p.arch,
    pkgid: p.pkgid, summary: p.summary, description: p.description, url: p.url, license: p.license, vendor: p.vendor,
    group: p.group, packager: p.packager, buildhost: p.buildhost, sourcerpm: p.sourcerpm,
    timeBuild: p.timeBuild, timeFile: p.timeFile, sizePackage: p.sizePackage, sizeInstalled: p.sizeInstalled, sizeArchive: p.sizeArchive,
    href: p.locationHref, headerStart: p.headerStart, headerEnd: p.headerEnd,
    signatures: p.signatures.map(({ keyId, algorithm, hash, version, created, verdict }) => ({ keyId, algorithm, hash, version, verdict: verdict ?? 'unchecked', ...(created !== undefined ? { created } : {}) })),
    corrupt: !!p.corrupt,
    digestProblems: p.digestProblems,
    deps,
    requiredBy: index.requiredByOf(p).map(link),
    files: p.files.map((f) => ({ path: f.path, type: f.type })),
    changelogs: [...p.changelogs].reverse(),
  };
}

/** A pointer to one package page's data file, as the `packages` content collection holds it; `dataSha256`: sha256 of that file. */
export interface PackagePageEntry { id: string; repoId: string; name: string; page: string; file: string; dataSha256: string }

/**
 * Writes `<dir>/<repo slug>/<name slug>.json` for each package name of the repo and returns
 * the collection entries pointing at them.
 */
export async function writePackagePages(dir: string, repo: { id: string; name: string; path: string }, packages: PackageRecord[], index: DependencyIndex): Promise<PackagePageEntry[]> {
  const byName = new Map<string, PackageRecord[]>();
  for (const p of packages) (byName.get(p.name) ?? byName.set(p.name, []).get(p.name)!).push(p);
  const repoDir = join(dir, slug(repo.id));
  await mkdir(repoDir, { recursive: true });
  const entries: PackagePageEntry[] = [];
  for (const [name, versions] of byName) {
    const file = join(repoDir, `${slug(name)}.json`);
    const data: PackagePageData = { repoId: repo.id, repoName: repo.name, repoPath: repo.path, name, versions: versions.map((v) => versionView(v, index)) };
    const text = JSON.stringify(data);
    writeFileSync(file, text); // synchronous: one thread-pool round trip per small file costs more than the write
    entries.push({ id: `${repo.id}/${name}`, repoId: repo.id, name, page: packagePagePath(repo.id, name), file, dataSha256: sha256(text) });
  }
  return entries;
}
