/**
 * Indexes one apt repo of the mirror into the site (its `.deb` files found by the scan): each
 * package read by the deb format's reader (a file that is not one is named and left out), placed
 * (hard-linked, else copied) at the same path, and the apt index written beside them, signed with
 * the site key (formats/format.ts: `writeAptIndex`). Suite `stable`, component `main`. Upstream
 * suites a sync kept whole (`dists/<suite>/`) are published verbatim beside it when they describe
 * exactly the packages read (formats/format.ts: `upstreamSuites`), with the armored keys sync
 * checked them with (`.airgap-mirror-sync/signed-by.asc`) for the snippets' Signed-By.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Diagnostics } from '../errors/catalogue.ts';
import {
  upstreamSuites, writeAptIndex, type AptPackage, type DebPackage, type KeptSuite,
} from '../formats/format.ts';
import { mirrorRootOf, outsideMirror } from '../scan/inside-mirror.ts';
import { SIGNED_BY_FILE, SYNC_DIR } from '../sync/sync-state.ts';
import type { RepoInput } from '../scan/find-repos.ts';
import { PackageCache } from '../scan/package-cache.ts';
import { readDebRepo } from '../scan/read-deb-repo.ts';
import type { ReadProgress } from '../scan/read-through-cache.ts';
import type { PackageReader } from '../scan/reader-pool.ts';
import type { SigningKey } from '../trust/site-key.ts';
import { TOOL_VERSION } from '../tool-version.ts';
import { FilePlacer } from './link-packages.ts';
import { carryByHash } from './previous-indices.ts';

/** The suite and component every apt repo of the site is published under. */
export const APT_SUITE = 'stable', APT_COMPONENT = 'main';

/**
 * What one apt repo became: its packages, site paths written, files linked and copied, packages
 * taken from the incremental cache, the upstream suites served verbatim and the armored keys that
 * sign them (when sync recorded them).
 */
export interface IndexedAptRepo {
  packages: AptPackage[]; sitePaths: string[]; linked: number; copied: number; cacheHits: number;
  upstream: KeptSuite[]; upstreamKey?: string;
}

/**
 * Options of indexAptRepo: Release date (epoch seconds), site key, reader threads, changelog
 * entries kept, the incremental cache's directory (none: every package is read), progress.
 */
export interface IndexAptOptions {
  signingKey?: SigningKey; date: number; reader?: PackageReader; changelogLimit?: number; cacheDir?: string;
  progress?: ReadProgress;
  /** The live site being replaced: the by-hash indices its Release names are kept (previous-indices.ts). */
  liveSite?: string;
}

/**
 * Reads the `.deb` files of `repo` (under `repoIn`) with scan/read-deb-repo.ts, through the repo's
 * incremental cache when `o.cacheDir` is given (saved once read); returns the packages in path
 * order and the cache hits. Each unusable file is reported to `diags` (its path shown under
 * `repo.path`) and left out.
 */
async function readDebs(repoIn: string, repo: RepoInput, diags: Diagnostics,
  o: IndexAptOptions): Promise<{ packages: AptPackage[]; cacheHits: number }> {
  // what a DebPackage depends on besides the file: the reader's version and the changelog entries kept
  const context = JSON.stringify(['deb', TOOL_VERSION, o.changelogLimit ?? null]);
  const cache = o.cacheDir ? await PackageCache.open<DebPackage>(o.cacheDir, `deb:${repo.path}`, context) : undefined;
  const packages: AptPackage[] = [];
  for (const { rel, outcome: x } of await readDebRepo(repoIn, repo.debs, { ...o, ...(cache ? { cache } : {}) })) {
    if (x.ok) packages.push({ deb: x.record, filename: rel });
    else if (x.kind === 'format') diags.report('deb-not-deb', posix.join(repo.path, rel), x.message);
    else diags.report('file-unreadable', posix.join(repo.path, rel), x.code);
  }
  await cache?.save();
  return { packages, cacheHits: cache?.hits ?? 0 };
}

/**
 * Indexes `repo` (format `deb`) of `mirrorDir` into `staging`; `o.date` dates the Release (epoch
 * seconds). Per-file problems go to `diags`. Throws the fs error of a write.
 */
export async function indexAptRepo(mirrorDir: string, staging: string, repo: RepoInput, diags: Diagnostics,
  o: IndexAptOptions): Promise<IndexedAptRepo> {
  const repoIn = join(mirrorDir, repo.path), repoOut = join(staging, repo.path);
  const { packages, cacheHits } = await readDebs(repoIn, repo, diags, o);
  const placer = new FilePlacer();
  const sitePaths: string[] = [];
  for (const p of packages) {
    placer.place(join(repoIn, p.filename), join(repoOut, p.filename));
    sitePaths.push(posix.join(repo.path, p.filename));
  }
  if (!packages.length) diags.report('repo-empty', repo.path || '.');
  const root = mirrorRootOf(mirrorDir);
  const { kept, refused } = await upstreamSuites(repoIn, packages, (rel) => outsideMirror(root, repoIn, rel));
  for (const r of refused) diags.report('apt-upstream-suite-refused', posix.join(repo.path, 'dists', r.suite), r.why);
  const upstream = kept.filter((k) => k.suite !== APT_SUITE || (diags.report('apt-upstream-suite-refused',
    posix.join(repo.path, 'dists', k.suite), `its name is the suite of the site's own index`), false));
  for (const k of upstream) {
    for (const f of k.files) placer.place(join(repoIn, f), join(repoOut, f));
    for (const h of k.byHash) placer.place(join(repoIn, h.of), join(repoOut, h.path));
    sitePaths.push(...[...k.files, ...k.byHash.map((h) => h.path)].map((f) => posix.join(repo.path, f)));
  }
  const upstreamKey = upstream.length
    ? await readFile(join(repoIn, SYNC_DIR, SIGNED_BY_FILE), 'utf8').catch(() => undefined) : undefined;
  const written = await writeAptIndex(repoOut, packages, { suite: APT_SUITE, component: APT_COMPONENT,
    origin: 'airgap-mirror', label: repo.id, date: new Date(o.date * 1000),
    ...(o.signingKey ? { signingKey: o.signingKey } : {}) });
  sitePaths.push(...written.map((w) => posix.join(repo.path, w)));
  if (o.liveSite) {
    // every suite the replaced site served: its own index and the upstream suites it served verbatim
    const liveRepo = join(o.liveSite, repo.path), carrier = new FilePlacer();
    for (const d of await readdir(join(liveRepo, 'dists'), { withFileTypes: true }).catch(() => [])) {
      if (!d.isDirectory() || d.name.startsWith('.')) continue;
      const carried = await carryByHash(liveRepo, repoOut, `dists/${d.name}/`, carrier);
      sitePaths.push(...carried.map((rel) => posix.join(repo.path, rel)));
    }
  }
  return { packages, sitePaths, linked: placer.linked, copied: placer.copied, cacheHits, upstream,
    ...(upstreamKey ? { upstreamKey } : {}) };
}
