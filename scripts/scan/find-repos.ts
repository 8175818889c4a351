/**
 * Finds the repos of a mirror tree (read only): a directory holding `repodata/repomd.xml`
 * is a repo; otherwise RPMs are grouped by their directory with trailing `Packages/` or
 * `Packages/<letter>/` levels removed (the layouts reposync, wget -r of a CDN and
 * createrepo_c produce). Explicit repos (`--repo PATH[=ID]` or the config file) replace
 * discovery. Uses fast-glob without following symlinked directories, so a symlink loop
 * cannot trap the walk; symlinks are checked one by one and reported.
 */
import fg from 'fast-glob';
import { opendirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Diagnostics } from '../errors/catalogue.ts';
import { DEB_PACKAGE_EXTENSION, RPM_FORMAT } from '../formats/format.ts';

/** A repo to index: path relative to the mirror root ('' for the root), repo id, format, packages. */
export interface RepoInput {
  /** '/'-separated path relative to the mirror root; '' when the root itself is the repo. */
  path: string;
  id: string;
  name: string;
  /** `rpm` (dnf's rpm-md) or `deb` (apt). */
  format: 'rpm' | 'deb';
  /** .rpm paths relative to the repo root, sorted (none in a deb repo). */
  rpms: string[];
  /** .deb paths relative to the repo root, sorted (none in an rpm repo). */
  debs: string[];
  /** True when the input directory already has repodata/repomd.xml. */
  hasUpstreamRepodata: boolean;
}

/** A repo the user named: path relative to the mirror, optional id and name. */
export interface RepoSpec { path: string; id?: string; name?: string }

/** Default repo id for a path: `ubi9/baseos` → `ubi9-baseos` (dnf repo ids allow [A-Za-z0-9_.:-]). */
export function defaultRepoId(path: string): string {
  return (path || 'mirror').replace(/\//g, '-').replace(/[^A-Za-z0-9_.:-]/g, '_');
}

/** Repo root for an RPM's directory: drop trailing `Packages` or `Packages/<x>` levels. */
function repoRootOf(dir: string): string {
  const parts = dir === '.' || dir === '' ? [] : dir.split('/');
  if (parts.length >= 2 && parts[parts.length - 2] === 'Packages' && parts[parts.length - 1]!.length <= 2) parts.splice(-2);
  else if (parts[parts.length - 1] === 'Packages') parts.pop();
  return parts.join('/');
}

/**
 * The apt repos of the `.deb` files found: a file under a `pool/` directory belongs to the directory
 * holding that `pool/` (the layout apt mirrors leave), any other to its own directory (a flat
 * directory of `.deb` files, as `apt-get download` leaves); none inside an rpm repo of `rpmRoots`.
 */
function aptRepos(debs: string[], rpmRoots: RepoSpec[]): RepoInput[] {
  const owned = new Map<string, string[]>();
  for (const d of debs) {
    const parts = d.split('/');
    const pool = parts.indexOf('pool');
    const root = pool >= 0 ? parts.slice(0, pool).join('/') : parts.slice(0, -1).join('/');
    if (rpmRoots.some((r) => isInside(d, r.path) && (r.path || !root))) continue;
    (owned.get(root) ?? owned.set(root, []).get(root)!).push(root ? d.slice(root.length + 1) : d);
  }
  return [...owned].map(([path, list]) => ({ path, id: defaultRepoId(path), name: defaultRepoId(path), format: 'deb' as const,
    rpms: [], debs: list, hasUpstreamRepodata: false }));
}

/** Characters XML 1.0 cannot carry, even escaped: C0 controls other than tab, newline, carriage return. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/** Characters a deb822 field value (a Packages file's `Filename:`) cannot carry: every C0 control and DEL. */
// eslint-disable-next-line no-control-regex
const NOT_DEB822 = /[\u0000-\u001f\u007f]/;

/** The formats' package endings and the RPM index file (formats/format.ts). */
const EXT = RPM_FORMAT.packageExtension, INDEX = RPM_FORMAT.indexFile, DEB_EXT = DEB_PACKAGE_EXTENSION;

const isInside = (child: string, parent: string) => parent === '' || child === parent || child.startsWith(parent + '/');

/** Every entry under `sub` of the mirror (no dot entries, links not followed), paths relative to the mirror. */
async function walk(mirrorDir: string, sub: string): Promise<fg.Entry[]> {
  // '**/*', not '**': picomatch's globstar does not match a newline in a file name, its '*' does
  const entries = await fg('**/*', {
    cwd: posix.join(mirrorDir, sub), dot: false, onlyFiles: false, followSymbolicLinks: false, objectMode: true,
    suppressErrors: true,
  });
  return sub ? entries.map((e) => ({ ...e, path: `${sub}/${e.path}` })) : entries;
}

/**
 * Scans `mirrorDir`. Symlink problems are reported to `diags` with paths relative to the
 * mirror. Throws when the mirror directory itself cannot be read.
 */
export async function findRepos(mirrorDir: string, diags: Diagnostics, explicit: RepoSpec[] = []): Promise<RepoInput[]> {
  // With --repo, only those repos are walked: nothing outside them is read or reported.
  const under = explicit.length ? [...new Set(explicit.map((r) => r.path.replace(/^\.\/?|\/+$/g, '')))] : [''];
  const byPath = new Map((await Promise.all(under.map((u) => walk(mirrorDir, u)))).flat().map((e) => [e.path, e]));
  const entries = [...byPath.values()];
  const rpms: string[] = [], debs: string[] = [];
  const addDeb = (path: string): void => {
    if (NOT_DEB822.test(path)) diags.report('deb-name-unsafe', path);
    else debs.push(path);
  };
  const repodataRoots = new Set<string>();
  // fast-glob passes over a directory it cannot list (suppressErrors): name each one
  for (const dir of [...under, ...entries.filter((e) => e.dirent.isDirectory()).map((e) => e.path)]) {
    try {
      opendirSync(posix.join(mirrorDir, dir)).closeSync();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') diags.report('dir-unreadable', dir || '.', code ?? String(err)); // a missing --repo: named below
    }
  }
  for (const e of entries) {
    if (e.dirent.isSymbolicLink()) {
      try {
        const s = await stat(posix.join(mirrorDir, e.path));
        if (s.isDirectory()) diags.report('symlink-dir-not-followed', e.path);
        else if (e.path.endsWith(EXT)) rpms.push(e.path);
        else if (e.path.endsWith(DEB_EXT)) addDeb(e.path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') diags.report('symlink-loop', e.path);
        else if (code === 'ENOENT') diags.report('symlink-dangling', e.path);
        else diags.report('file-unreadable', e.path, code ?? String(err));
      }
      continue;
    }
    if (e.path.endsWith(`/${INDEX}`) || e.path === INDEX) repodataRoots.add(posix.dirname(posix.dirname(e.path)).replace(/^\.$/, ''));
    else if (e.path.endsWith(EXT) && !e.dirent.isDirectory() && NOT_XML.test(e.path)) diags.report('rpm-name-not-xml', e.path);
    else if (e.path.endsWith(EXT) && !e.dirent.isDirectory()) rpms.push(e.path);
    else if (e.path.endsWith(EXT)) diags.report('rpm-not-rpm', e.path, 'it is a directory');
    // like .rpm: a FIFO or device named .deb is the reader's to refuse (deb-not-deb names it)
    else if (e.path.endsWith(DEB_EXT) && !e.dirent.isDirectory()) addDeb(e.path);
    else if (e.path.endsWith(DEB_EXT)) diags.report('deb-not-deb', e.path, 'it is a directory');
  }
  rpms.sort();
  debs.sort();

  let roots: RepoSpec[];
  if (explicit.length) {
    roots = explicit.map((r) => ({ ...r, path: r.path.replace(/^\.\/?|\/+$/g, '') }));
  } else {
    const found = new Set(repodataRoots);
    for (const r of rpms) {
      const dir = posix.dirname(r);
      const owner = [...repodataRoots].filter((root) => isInside(dir, root)).sort((a, b) => b.length - a.length)[0];
      if (owner === undefined) found.add(repoRootOf(dir === '.' ? '' : dir));
    }
    roots = [...found].map((path) => ({ path }));
  }
  // Each RPM belongs to the deepest repo containing it.
  const byDepth = [...roots].sort((a, b) => b.path.length - a.path.length);
  const owned = new Map<string, string[]>(roots.map((r) => [r.path, []]));
  for (const r of rpms) {
    const owner = byDepth.find((root) => isInside(r, root.path));
    if (owner) owned.get(owner.path)!.push(owner.path ? r.slice(owner.path.length + 1) : r);
  }
  const found = roots
    .map((r): RepoInput => ({
      path: r.path,
      id: r.id ?? defaultRepoId(r.path),
      name: r.name ?? r.id ?? defaultRepoId(r.path),
      format: 'rpm',
      rpms: owned.get(r.path)!,
      debs: [],
      hasUpstreamRepodata: repodataRoots.has(r.path),
    }))
    .concat(aptRepos(debs, roots))
    .sort((a, b) => a.path.localeCompare(b.path));
  // `a/b` and `a-b` both default to `a-b`: two `[a-b]` sections would be one repo to dnf
  const taken = new Map<string, string>();
  for (const r of found) {
    if (taken.has(r.id)) {
      let n = 2;
      while (taken.has(`${r.id}_${n}`)) n++;
      diags.report('repo-id-collision', r.path || '.', r.id, taken.get(r.id)! || '.', `${r.id}_${n}`);
      r.id = `${r.id}_${n}`;
    }
    taken.set(r.id, r.path);
  }
  return found;
}
