/**
 * Detail data of package pages: one JSON text per package name per repo, holding every
 * version's primary/filelists/other fields, dependencies with their providers in the
 * mirror, reverse dependencies ("required by"), files and changelog. Pages are written one
 * at a time so memory does not hold all page data at once. A version with more than
 * FILES_ON_PAGE files (kernel-devel has ~20,000) shows that many on its page; the whole list
 * goes to a text file beside the page (one path per line), written here and not rendered, so
 * neither the page data nor the HTML grows with it.
 */
import { closeSync, fstatSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEPENDENCY_KINDS, nevra, type Dependency, type DependencyKind, type PackageRecord
} from '../formats/format.ts';
import type { DependencyIndex, PackageRef } from './dependency-index.ts';
import { packagePagePath, versionAnchor } from './page-paths.ts';
import { sha256 } from '../sha256.ts';

/** A link to a package version page (site-relative href with anchor). */
export interface PackageLink { nevra: string; repoId: string; href: string }

/**
 * One dependency as shown: its text and, for requires-like kinds, the providers in the mirror
 * (the first PROVIDERS_ON_PAGE of `providerCount`).
 */
export interface DependencyView { text: string; pre: boolean; providers?: PackageLink[]; providerCount?: number }

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
  /** The first REQUIRED_BY_ON_PAGE of `requiredByCount` packages requiring this version. */
  requiredBy: PackageLink[];
  requiredByCount: number;
  /** The first FILES_ON_PAGE files (all when fewer). */
  files: { path: string; type: string }[];
  fileCount: number;
  /** With more files than the page shows: the text file of all of them beside the page and its size in bytes. */
  fileList?: { href: string; bytes: number };
  changelogs: { author: string; date: number; text: string }[];
}

/** Everything one package page needs. */
export interface PackagePageData { repoId: string; repoName: string; repoPath: string; name: string; versions: VersionView[] }

const OP: Record<string, string> = { LT: '<', GT: '>', EQ: '=', LE: '<=', GE: '>=' };

/** `name [op [epoch:]version[-release]]` as rpm prints a dependency. */
export function dependencyText(d: Dependency): string {
  if (!d.flags) return d.name;
  const epoch = d.epoch && d.epoch !== '0' ? `${d.epoch}:` : '';
  return `${d.name} ${OP[d.flags]} ${epoch}${d.version ?? ''}${d.release ? `-${d.release}` : ''}`;
}

/** Files shown on a package page per version; beyond this the page links the full list. */
export const FILES_ON_PAGE = 500;
/**
 * Providers shown per dependency and packages shown under "Required by" (glibc is required by
 * thousands): the page says how many more there are, so its size does not grow with the mirror.
 */
export const PROVIDERS_ON_PAGE = 20, REQUIRED_BY_ON_PAGE = 200;

/** The name of the full file list of version `anchor`, beside its page. */
const fileListName = (anchor: string) => `${anchor}.files.txt`;

/**
 * The text of a full file list: one path per line, a directory or ghost marked after a tab as
 * filelists.xml types them; a backslash, line break or tab inside a path is written `\\`, `\n` or `\t`.
 */
function fileListText(files: PackageRecord['files']): string {
  const escape = (path: string) => path.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return files.map((f) => `${escape(f.path)}${f.type === 'file' ? '' : `\t${f.type}`}\n`).join('');
}

const links = new WeakMap<PackageRef, PackageLink>();
/** The link to a package's version on its page; one object per package, shared by every page that links it. */
const link = (r: PackageRef): PackageLink => {
  let l = links.get(r);
  if (!l) {
    const href = `${packagePagePath(r.repoId, r.name)}#${versionAnchor(r.nevra)}`;
    links.set(r, (l = { nevra: r.nevra, repoId: r.repoId, href }));
  }
  return l;
};
const RESOLVED_KINDS = new Set<DependencyKind>(['requires', 'recommends', 'suggests', 'supplements', 'enhances']);

/**
 * The page view of version `p`, which `requiredBy` require (DependencyIndex.requiredByOf);
 * `fileList` is set when its full file list was written beside the page.
 */
function versionView(p: PackageRecord, index: DependencyIndex, requiredBy: readonly PackageRef[],
  fileList?: VersionView['fileList']): VersionView {
  const deps: VersionView['deps'] = {};
  for (const kind of DEPENDENCY_KINDS) {
    if (!p.deps[kind].length) continue;
    deps[kind] = p.deps[kind].map((d) => {
      const view: DependencyView = { text: dependencyText(d), pre: !!d.pre };
      if (!RESOLVED_KINDS.has(kind)) return view;
      const providers = index.providers(d);
      return { ...view, providers: providers.slice(0, PROVIDERS_ON_PAGE).map(link), providerCount: providers.length };
    });
  }
  const n = nevra(p);
  return {
    nevra: n, anchor: versionAnchor(n), epoch: p.epoch, version: p.version, release: p.release, arch: p.arch,
    pkgid: p.pkgid, summary: p.summary, description: p.description, url: p.url, license: p.license, vendor: p.vendor,
    group: p.group, packager: p.packager, buildhost: p.buildhost, sourcerpm: p.sourcerpm,
    timeBuild: p.timeBuild, timeFile: p.timeFile,
    sizePackage: p.sizePackage, sizeInstalled: p.sizeInstalled, sizeArchive: p.sizeArchive,
    href: p.locationHref, headerStart: p.headerStart, headerEnd: p.headerEnd,
    signatures: p.signatures.map(({ keyId, algorithm, hash, version, created, verdict }) => ({
      keyId, algorithm, hash, version, verdict: verdict ?? 'unchecked', ...(created !== undefined ? { created } : {}),
    })),
    corrupt: !!p.corrupt,
    digestProblems: p.digestProblems,
    deps,
    requiredBy: requiredBy.slice(0, REQUIRED_BY_ON_PAGE).map(link), requiredByCount: requiredBy.length,
    files: p.files.slice(0, FILES_ON_PAGE).map((f) => ({ path: f.path, type: f.type })),
    fileCount: p.files.length, ...(fileList ? { fileList } : {}),
    changelogs: [...p.changelogs].reverse(),
  };
}

/**
 * A package page to render, as the `packages` content collection holds it: collection id, repo,
 * package name, site path, and its data: `length` bytes at byte `offset` of `file` (one JSON
 * text, PackagePageData).
 */
export interface PackagePageEntry {
  id: string; repoId: string; name: string; page: string; file: string; offset: number; length: number;
}

/** What the first `shown` of `refs` link to, with their count, as one line of a page input key (JSON). */
const refsKey = (refs: readonly PackageRef[], shown: number): string =>
  JSON.stringify([refs.length, ...refs.slice(0, shown).map((r) => [r.repoId, r.name, r.nevra])]);
const providersKeys = new WeakMap<readonly PackageRef[], string>();
/** refsKey of a providers list: once per distinct dependency (DependencyIndex shares the list). */
const providersKey = (refs: readonly PackageRef[]): string => {
  let k = providersKeys.get(refs);
  if (k === undefined) providersKeys.set(refs, (k = refsKey(refs, PROVIDERS_ON_PAGE)));
  return k;
};

/**
 * The input key of a package page: sha256 over everything its page data is made of, without
 * making the data (which costs several times more: views, JSON text, its hash). A version's
 * record is a function of the package file's bytes (its pkgid, the sha256 of the file), its
 * repo-relative href and mtime, and `context` (tool version, changelog limit, the repo's
 * signing keys: the incremental cache's context, see index-repo.ts); the rest is the repo's
 * id, name and path, and the links the page shows: the first PROVIDERS_ON_PAGE providers of
 * each resolved dependency and the first REQUIRED_BY_ON_PAGE packages requiring the version
 * (`requiredBy[i]` require `versions[i]`), with their counts. Equal keys give equal page data.
 */
export function pageInputKey(repo: { id: string; name: string; path: string }, name: string, versions: PackageRecord[],
  requiredBy: readonly (readonly PackageRef[])[], index: DependencyIndex, context: string): string {
  // one line per part, each a fixed word or JSON (which has no raw line break): the text is one to one
  const lines = [JSON.stringify([context, repo.id, repo.name, repo.path, name])];
  versions.forEach((v, i) => {
    lines.push(JSON.stringify([v.pkgid, v.timeFile, v.locationHref]));
    for (const kind of RESOLVED_KINDS) for (const d of v.deps[kind]) lines.push(kind, providersKey(index.providers(d)));
    lines.push('required-by', refsKey(requiredBy[i]!, REQUIRED_BY_ON_PAGE));
  });
  return sha256(lines.join('\n'));
}

/**
 * Writes the full file list of version `v` beside its page `page` (under `listDir`, one path per
 * line, see fileListText); returns its site path and size in bytes.
 */
function writeFileList(listDir: string, page: string, v: PackageRecord): NonNullable<VersionView['fileList']> {
  const name = fileListName(versionAnchor(nevra(v)));
  const list = Buffer.from(fileListText(v.files));
  mkdirSync(join(listDir, page), { recursive: true });
  writeFileSync(join(listDir, page, name), list);
  return { href: `${page}${name}`, bytes: list.length };
}

/**
 * Makes the pages of each package name of the repo. With `render`, each page's input key
 * (pageInputKey over `context`) is handed to it with the page path, and only pages it accepts
 * are made; without, all are. A page made has its data appended to `<dir>/pages.jsonl` (one
 * JSON text per line: one file instead of one per page, which costs 0.14 ms each to create here
 * and as much to remove) and an entry pointing at it. The full file list of a version with more
 * than FILES_ON_PAGE files goes to `<listDir>/<page path><anchor>.files.txt` for every page,
 * made or not (site-relative paths under `listDir`, to be merged into the rendered pages).
 * Returns the number of pages of the repo and the entries of those made. Throws the fs error of
 * a write.
 */
export async function writePackagePages(dir: string, listDir: string, repo: { id: string; name: string; path: string },
  packages: PackageRecord[], index: DependencyIndex,
  o: { context: string; render?: (page: string, key: string) => boolean },
): Promise<{ pages: number; entries: PackagePageEntry[] }> {
  const byName = new Map<string, PackageRecord[]>();
  for (const p of packages) (byName.get(p.name) ?? byName.set(p.name, []).get(p.name)!).push(p);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'pages.jsonl');
  const fd = openSync(file, 'a');
  let offset = fstatSync(fd).size;
  const entries: PackagePageEntry[] = [];
  try {
    for (const [name, versions] of byName) {
      const page = packagePagePath(repo.id, name);
      const requiredBy = versions.map((v) => index.requiredByOf(v));
      const make = !o.render || o.render(page, pageInputKey(repo, name, versions, requiredBy, index, o.context));
      const fileLists = versions.map((v) =>
        (v.files.length > FILES_ON_PAGE ? writeFileList(listDir, page, v) : undefined));
      if (!make) continue;
      const views = versions.map((v, i) => versionView(v, index, requiredBy[i]!, fileLists[i]));
      const data: PackagePageData = { repoId: repo.id, repoName: repo.name, repoPath: repo.path, name, versions: views };
      const bytes = Buffer.from(JSON.stringify(data));
      writeSync(fd, bytes);
      writeSync(fd, NEWLINE);
      entries.push({ id: `${repo.id}/${name}`, repoId: repo.id, name, page, file, offset, length: bytes.length });
      offset += bytes.length + 1;
    }
  } finally {
    closeSync(fd);
  }
  return { pages: byName.size, entries };
}

const NEWLINE = Buffer.from('\n');
