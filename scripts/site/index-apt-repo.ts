/**
 * Indexes one apt repo of the mirror into the site (its `.deb` files found by the scan): each
 * package read by the deb format's reader (a file that is not one is named and left out), placed
 * (hard-linked, else copied) at the same path, and the apt index written beside them, signed with
 * the site key (formats/format.ts: `writeAptIndex`). Suite `stable`, component `main`. Upstream
 * suites a sync kept whole (`dists/<suite>/`) are published verbatim beside it when they describe
 * exactly the packages read (formats/format.ts: `upstreamSuites`), with the armored keys sync
 * checked them with (`.airgap-mirror-sync/signed-by.asc`) for the snippets' Signed-By.
 */
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import pMap from 'p-map';
import type { Diagnostics } from '../errors/catalogue.ts';
import {
  DebFormatError, readDeb, upstreamSuites, writeAptIndex, type AptPackage, type KeptSuite,
} from '../formats/format.ts';
import { mirrorRootOf, outsideMirror } from '../scan/inside-mirror.ts';
import { SIGNED_BY_FILE, SYNC_DIR } from '../sync/sync-state.ts';
import type { RepoInput } from '../scan/find-repos.ts';
import type { SigningKey } from '../trust/site-key.ts';
import { FilePlacer } from './link-packages.ts';

/** The suite and component every apt repo of the site is published under. */
export const APT_SUITE = 'stable', APT_COMPONENT = 'main';

/** Packages read at once (the bench's apt row: 8 keeps two cores busy without holding many files open). */
const READ_CONCURRENCY = 8;

/**
 * What one apt repo became: its packages, site paths written, files linked and copied, the upstream
 * suites served verbatim and the armored keys that sign them (when sync recorded them).
 */
export interface IndexedAptRepo {
  packages: AptPackage[]; sitePaths: string[]; linked: number; copied: number;
  upstream: KeptSuite[]; upstreamKey?: string;
}

/**
 * Indexes `repo` (format `deb`) of `mirrorDir` into `staging`; `date` dates the Release (epoch
 * seconds). Per-file problems go to `diags`. Throws the fs error of a write.
 */
export async function indexAptRepo(mirrorDir: string, staging: string, repo: RepoInput, diags: Diagnostics,
  o: { signingKey?: SigningKey; date: number }): Promise<IndexedAptRepo> {
  const repoIn = join(mirrorDir, repo.path), repoOut = join(staging, repo.path);
  const packages: AptPackage[] = [];
  const placer = new FilePlacer();
  const sitePaths: string[] = [];
  // Read several at once: each read is I/O and zlib work on libuv's pool; order kept by index.
  const read = await pMap(repo.debs, async (rel) => {
    const where = posix.join(repo.path, rel);
    try {
      return { deb: await readDeb(join(repoIn, rel)), filename: rel };
    } catch (err) {
      if (err instanceof DebFormatError) diags.report('deb-not-deb', where, err.message);
      else diags.report('file-unreadable', where, (err as NodeJS.ErrnoException).code ?? String(err));
      return undefined;
    }
  }, { concurrency: READ_CONCURRENCY });
  for (const p of read) {
    if (!p) continue;
    packages.push(p);
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
  return { packages, sitePaths, linked: placer.linked, copied: placer.copied, upstream,
    ...(upstreamKey ? { upstreamKey } : {}) };
}
