/**
 * The main job: mirror tree in, one static site out. Scan → read RPM headers → write each
 * repo's repodata next to hard-linked packages → catalog (dependency links across the
 * mirror) → render pages with Astro → search index → swap the site in atomically.
 * The mirror tree is only read.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { Diagnostics, type Diagnostic } from '../errors/catalogue.ts';
import { ExitCode, UsageError } from '../errors/exit-codes.ts';
import { findRepos, type RepoSpec } from '../scan/find-repos.ts';
import { catalogRepo, siteRepo, writeCatalog, type CatalogData, type CatalogRepo } from '../catalog/catalog-data.ts';
import { CATALOG_FILE } from '../catalog/catalog-loader.ts';
import { DependencyIndex } from '../catalog/dependency-index.ts';
import { readExtraMetadata } from '../catalog/extra-metadata.ts';
import { writePackagePages, type PackagePageEntry } from '../catalog/package-pages.ts';
import { repoFilePath } from '../catalog/page-paths.ts';
import { buildLockOf, commitStaging, discardStaging, prepareStaging } from './output-dir.ts';
import { insideRepo, mirrorRootOf, outsideMirror } from '../scan/inside-mirror.ts';
import { manifestPackageCount, readSiteManifest, type SiteManifest } from './site-manifest.ts';
import { repoFiles, type SiteRepo } from '../generators/repo-sets.ts';
import type { RepoTrust } from '../trust/repo-trust.ts';
import { resolveSettings, type Settings } from '../generators/settings.ts';
import { runbookValues } from '../generators/runbook-values.ts';
import type { ClusterData } from '../cluster/cluster-data.ts';
import { closurePackages, dtkPreflight, kernelVersionsIn, type PreflightResult } from '../preflight/dtk-preflight.ts';
import type { ClosureRequest } from '../closure/pool-closure.ts';
import type { RepoPackages } from '../preflight/repo-closure.ts';
import { indexRepo, SITE_KEY_PATH, type IndexedRepo, type RepodataPolicy } from './index-repo.ts';
import { readSigningKey, siteKeyFor, type SigningKey } from '../trust/site-key.ts';
import { APT_COMPONENT, APT_SUITE, indexAptRepo, type IndexedAptRepo } from './index-apt-repo.ts';
import { aptArchitectures } from '../formats/format.ts';
import { aptList, aptSources, type AptUpstreamSuites } from '../generators/apt-sources.ts';
import { aptPoolReadiness } from '../preflight/apt-preflight.ts';
import { APT_LIST_PATH, APT_SOURCES_PATH } from '../catalog/page-paths.ts';
import { debPages } from '../catalog/deb-pages.ts';
import { buildReader, type PackageReader } from '../scan/reader-pool.ts';
import { sourceDateEpoch } from '../source-date.ts';
import { FilePlacer } from './link-packages.ts';
import { findCollisions, listFiles } from './page-collisions.ts';
import { movePages, placeRepoPages } from './move-pages.ts';
import { pageFile, PagePlan, savePageRecords } from './page-reuse.ts';
import { renderSite, type RenderMode } from './render-split.ts';
import { buildSearchIndex } from './search-index.ts';
import { writePackageSearchIndex } from './package-search-index.ts';
import { holdYoungGeneration } from './young-generation.ts';
import { TOOL_VERSION } from '../tool-version.ts';

/** Options of buildSite. */
export interface BuildSiteOptions {
  mirrorDir: string;
  outDir: string;
  /** Explicit repos; empty means discover. */
  repos?: RepoSpec[];
  /** Absolute URL the site will be served at (for .repo snippets). */
  baseUrl?: string;
  changelogLimit?: number;
  /** Values for runbooks and generators (config `settings:`); defaults when absent. */
  settings?: Settings;
  /** Verify package signatures against mirrored keys (default true when a repo has keys). */
  verifySignatures?: boolean;
  /** Keep packages that fail a digest or signature check, flagged, instead of leaving them out. */
  keepCorrupt?: boolean;
  /** Worker threads for reading packages (default: see buildReader). */
  workers?: number;
  /** The package reader, when the caller made it early (its threads booting while modules load). */
  reader?: PackageReader;
  /** Use the incremental cache beside the output (default true). */
  cache?: boolean;
  /** Write only the repos (packages and repodata): no pages, no search index. */
  repodataOnly?: boolean;
  /** Upstream repodata policy (default regenerate). */
  repodata?: RepodataPolicy;
  /** The cluster's node pools and their images (`--nodes`), for the cluster page and runbooks. */
  cluster?: ClusterData;
  /** Profiles and packages of the driver-build preflight (config `sync.closure`; default the DOCA build). */
  preflight?: ClosureRequest;
  /** Swap in a site with fewer than half the live site's packages (`--allow-shrink`; default false). */
  allowShrink?: boolean;
  /**
   * Signing of the repomd.xml files the build writes: false for none (`--no-sign`), else the key
   * file (`--signing-key`) or, by default, the site key beside `--out` (made by the first build);
   * `passphrase` unlocks an encrypted key.
   */
  sign?: false | { keyFile?: string; passphrase?: string };
}

/** Progress events (counts, bytes) for a terminal display. */
export interface BuildProgress {
  phase?: (name: 'scan' | 'read' | 'catalog' | 'pages' | 'search', total?: number) => void;
  file?: () => void;
  bytes?: (n: number) => void;
  diagnostic?: (d: Diagnostic) => void;
}

/** Outcome of a build: exit code, counts, sizes in bytes, elapsed seconds, diagnostics, per-repo trust. */
export interface BuildResult {
  trust: { id: string; trust: RepoTrust }[];
  exitCode: number;
  /** Why the new site was not swapped in (the live site was left as it was); absent when it was. */
  notSwapped?: string;
  /** The key that signed the repomd.xml files: fingerprint, private key file, whether this build made it. */
  signedBy?: { fingerprint: string; file: string; created: boolean };
  repos: { id: string; path: string; packages: number; bytes: number; metadata: string[] }[];
  packages: number;
  /** Pages in the search indexes (package pages in ours, the others in Pagefind's). */
  pages: number;
  bytesHashed: number;
  linked: number;
  copied: number;
  /** Packages taken from the incremental cache (not re-read). */
  cacheHits: number;
  /** Package pages rendered this time, and taken unchanged from the previous site (see page-reuse.ts). */
  pagesRendered: number;
  pagesReused: number;
  /** How the pages were rendered (see render-split.ts); undefined with --repodata-only. */
  renderMode?: RenderMode;
  /** Reader threads that ran (1: packages were read in the main thread). */
  threads: number;
  seconds: number;
  diagnostics: Diagnostic[];
}

/** Placeholder base URL when none is configured. */
export const PLACEHOLDER_BASE_URL = 'http://mirror-host/';

/**
 * Builds the site. Throws UsageError for unusable arguments (missing mirror, unsafe --out);
 * every per-file problem is a diagnostic instead and the build goes on.
 */
/** The upstream suites an apt repo serves verbatim, for its snippets (none when it serves none). */
const upstreamOf = (a: IndexedAptRepo): { upstream?: AptUpstreamSuites } => (a.upstream.length ? { upstream: {
  suites: a.upstream.map((k) => k.suite), components: [...new Set(a.upstream.flatMap((k) => k.components))].sort(),
  arches: [...new Set(a.upstream.flatMap((k) => k.arches))].sort(), ...(a.upstreamKey ? { key: a.upstreamKey } : {}),
} } : {});

export async function buildSite(o: BuildSiteOptions, progress: BuildProgress = {}): Promise<BuildResult> {
  const started = Date.now();
  const diags = new Diagnostics(progress.diagnostic);
  await readdir(o.mirrorDir).catch((err) => {
    throw new UsageError(`cannot read the mirror ${o.mirrorDir} (${(err as NodeJS.ErrnoException).code})`);
  });
  const baseUrl = normaliseBaseUrl(o.baseUrl);
  for (const r of o.repos ?? []) {
    const path = r.path.replace(/^\.\/?|\/+$/g, '');
    if (path && insideRepo(path) === undefined) {
      throw new UsageError(`--repo ${r.path}: not a path inside the mirror (absolute or with ..)`);
    }
    if (path && outsideMirror(mirrorRootOf(o.mirrorDir), o.mirrorDir, path)?.includes('outside the mirror tree')) {
      throw new UsageError(`--repo ${r.path}: a link that leads out of the mirror tree`);
    }
    const isDir = await stat(join(o.mirrorDir, r.path)).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new UsageError(`--repo ${r.path}: not found in the mirror`);
  }
  const { staging, unlock, lockLost } = await prepareStaging(o.mirrorDir, o.outDir);
  // no await between the staging directory and this handler, so a signal cannot fall between them
  const work = mkdtempSync(join(tmpdir(), 'airgap-build-'));
  // Ctrl-C or a kill by TERM (the CLI turns both into an exit): scratch removed; never the staging
  // once the swap began (then it may already be the site)
  let swapping = false;
  const onExit = () => {
    if (!swapping) rmSync(staging, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let bytesHashed = 0;
  // records all survive until the pages are rendered: see young-generation.ts
  const releaseYoungGeneration = holdYoungGeneration();
  let signer: Awaited<ReturnType<typeof signingKeyOf>>;
  try {
    // after the checks of --out: a site key beside a refused --out would be written outside what we own
    signer = await signingKeyOf(o);
    // the SBOM writer loads the CycloneDX library (some 130 modules, 40 ms): loaded while the packages
    // are read, which leaves this thread idle when reader threads read them
    const sbomWriter = import('./sbom.ts');
    sbomWriter.catch(() => {}); // awaited where the SBOM is written
    progress.phase?.('scan');
    const found = await findRepos(o.mirrorDir, diags, o.repos ?? []);
    const repos = found.filter((r) => r.format === 'rpm'), aptRepos = found.filter((r) => r.format === 'deb');
    progress.phase?.('read', found.reduce((s, r) => s + r.rpms.length + r.debs.length, 0));
    const indexed: IndexedRepo[] = [];
    const reader = o.reader ?? buildReader(o.workers);
    const cacheDir = cacheDirFor(o.outDir);
    // Nothing cached (first build, --no-cache): a repo big enough for threads will read them
    // all, so the threads boot while the files are listed and stat'ed instead of after.
    if ((o.cache === false || !existsSync(cacheDir))
      && found.some((r) => r.rpms.length + r.debs.length >= reader.threadsFromReads)) {
      reader.start();
    }
    let threads = 1;
    const onBytes = (n: number) => { bytesHashed += n; progress.bytes?.(n); };
    // the site being replaced: the index files it names stay one more build (previous-indices.ts)
    const live = existsSync(o.outDir) ? { liveSite: o.outDir } : {};
    const builtAt = buildTime();
    const apt: IndexedAptRepo[] = [];
    try {
      for (const repo of repos) {
        indexed.push(await indexRepo(o.mirrorDir, staging, repo, diags, { onFile: progress.file, onBytes }, {
          ...(o.changelogLimit !== undefined ? { changelogLimit: o.changelogLimit } : {}),
          verifySignatures: o.verifySignatures !== false, keepCorrupt: !!o.keepCorrupt,
          reader, ...(o.cache !== false ? { cacheDir } : {}), repodata: o.repodata ?? 'regenerate',
          ...(signer ? { signingKey: signer.key } : {}), ...live,
        }));
      }
      for (const r of aptRepos) {
        apt.push(await indexAptRepo(o.mirrorDir, staging, r, diags, {
          date: builtAt, reader, progress: { onFile: progress.file, onBytes },
          ...(o.cache !== false ? { cacheDir } : {}), ...live,
          ...(signer ? { signingKey: signer.key } : {}),
          ...(o.changelogLimit !== undefined ? { changelogLimit: o.changelogLimit } : {}),
        }));
      }
    } finally {
      threads = Math.max(1, reader.threadsUsed());
      await reader.close();
    }
    const aptSets = aptRepos.map((r, i) => ({ repoId: r.id, repoPath: r.path, packages: apt[i]!.packages }));
    const aptControls = apt.flatMap((x) => x.packages.map((p) => p.deb.control));
    const aptPreflight = (o.cluster?.pools ?? []).filter((p) => p.os === 'ubuntu')
      .map((p) => aptPoolReadiness(p.id, p.kernel, aptControls, { arch: p.arch, osVersion: p.osVersion }));
    const aptSite = aptRepos.map((r, i) => ({ id: r.id, path: r.path, suite: APT_SUITE, component: APT_COMPONENT,
      arches: aptArchitectures(apt[i]!.packages), packageCount: apt[i]!.packages.length,
      totalSize: apt[i]!.packages.reduce((n, p) => n + p.deb.size, 0), ...upstreamOf(apt[i]!) }));

    progress.phase?.('catalog');
    const repoSets = repos.map((r, i) => ({ repoId: r.id, packages: indexed[i]!.packages }));
    // Pages need the dependency index and the preflight; --repodata-only skips both.
    const deps = o.repodataOnly ? undefined : new DependencyIndex(repoSets);

    const catalogDir = join(work, 'catalog');
    const fileListDir = join(work, 'file-lists'); // full file lists of big packages, beside their pages
    // With the cache on, package pages whose inputs did not change are taken from the live site.
    const plan = deps && o.cache !== false ? await PagePlan.open(cacheDir, o.outDir) : undefined;
    const toRender: PackagePageEntry[] = [];
    let sitePages = 0;
    const catalogRepos: CatalogRepo[] = [];
    for (const [i, repo] of repos.entries()) {
      const x = indexed[i]!;
      if (deps) {
        const render = plan ? { render: (page: string, key: string) => plan.needsRender(page, key) } : {};
        const made = await writePackagePages(join(catalogDir, 'packages'), fileListDir, repo, x.packages, deps,
          { context: x.recordContext, ...render });
        sitePages += made.pages;
        toRender.push(...made.entries);
      }
      const extras = await readExtraMetadata(join(staging, repo.path), x.repomd,
        (href, type, why) => diags.report('upstream-metadata-unreadable', posix.join(repo.path, href), type, why));
      const entry = catalogRepo(repo, x.packages, x.repomd, x.revision, x.keyFiles, baseUrl, extras, x.trust, x.repomdTrust);
      catalogRepos.push(x.syncedFrom ? { ...entry, upstream: x.syncedFrom } : entry);
    }
    const siteRepos: SiteRepo[] = repos.map((r, i) => siteRepo(r, indexed[i]!.keyFiles, indexed[i]!.packages.length, indexed[i]!.trust,
      indexed[i]!.repomdTrust));
    const settings = o.settings ?? resolveSettings(undefined);
    const files = repoFiles(siteRepos, baseUrl);
    const preflight = deps ? preflights(repoSets, diags, o.preflight, o.cluster) : [];
    for (const p of o.cluster?.pools ?? []) {
      for (const n of p.notes) if (n.problem) diags.report('generator-failed', `cluster page: pool ${p.id}: ${n.kind} image`, n.text);
    }
    const syncRepos = catalogRepos.map((r) => ({ id: r.id, path: r.path, arches: r.arches, ...(r.upstream ? { upstream: r.upstream } : {}) }));
    const sourcesText = aptSite.length ? aptSources(aptSite, baseUrl, signer?.key.publicArmored) : '';
    const runbook = runbookValues({ settings, kernels: preflight.map((p) => p.kernelVersion), repoFiles: files, syncRepos,
      aptSources: sourcesText, https: baseUrl.startsWith('https:') },
    (value, why) => diags.report('generator-failed', `runbook value ${value}`, why));
    const catalog: CatalogData = {
      settings, runbook,
      repoFiles: files,
      preflight,
      problems: diags.list,
      toolVersion: TOOL_VERSION, baseUrl, baseUrlIsPlaceholder: !o.baseUrl, builtAt,
      aptRepos: aptSite, aptSourcesHref: APT_SOURCES_PATH, aptPreflight,
      debPages: o.repodataOnly ? [] : debPages(aptSets),
      repoFile: catalogRepos.map((r) => r.repoFile).join('\n'), repoFileHref: repoFilePath(), repos: catalogRepos,
      ...(signer ? { signing: { fingerprint: signer.key.fingerprint, keyHref: SITE_KEY_PATH } } : {}),
      ...(o.cluster ? { cluster: o.cluster } : {}),
    };
    await mkdir(catalogDir, { recursive: true });
    await writeCatalog(join(catalogDir, CATALOG_FILE), catalog);

    progress.phase?.('pages', toRender.length + catalogRepos.length + 1);
    releaseYoungGeneration(); // rendering's garbage dies young
    const placer = new FilePlacer();
    // package pages go to our own index (written beside the rendering, see render-split.ts);
    // Pagefind takes the pages that mark themselves searchable
    const searchDir = join(work, 'package-search');
    let packagePagesIndexed = 0;
    const { pagesDir, mode: renderMode } = o.repodataOnly
      ? { pagesDir: await mkdtemp(join(work, 'no-pages-')), mode: undefined }
      : await renderSite({ catalogDir, catalog, entries: toRender, sitePages, work, placer,
        meanwhile: () => { packagePagesIndexed = writePackageSearchIndex(searchDir, repoSets, aptSets).pages; } });
    placeRepoPages(pagesDir, catalogRepos);
    for (const [page, { file }] of plan?.reuse ?? []) placer.place(file, join(pagesDir, pageFile(page)), { regular: true });
    for (const dir of [fileListDir, searchDir]) if (existsSync(dir)) movePages(dir, pagesDir, new Set(), placer);
    const { SBOM_PATH, sbomJson } = await sbomWriter;
    await mkdir(dirname(join(pagesDir, SBOM_PATH)), { recursive: true });
    await writeFile(join(pagesDir, SBOM_PATH), sbomJson(catalogRepos.map((r, i) =>
      ({ id: r.id, baseurl: r.baseurl, packages: indexed[i]!.packages })), catalog.builtAt));
    if (signer) {
      await mkdir(dirname(join(pagesDir, SITE_KEY_PATH)), { recursive: true });
      await writeFile(join(pagesDir, SITE_KEY_PATH), signer.key.publicArmored);
    }
    if (aptSite.length) {
      await mkdir(dirname(join(pagesDir, APT_SOURCES_PATH)), { recursive: true });
      await writeFile(join(pagesDir, APT_SOURCES_PATH), sourcesText);
      await writeFile(join(pagesDir, APT_LIST_PATH), aptList(aptSite, baseUrl, !!signer));
    }
    for (const f of [catalog, ...catalogRepos]) {
      await mkdir(dirname(join(pagesDir, f.repoFileHref)), { recursive: true });
      await writeFile(join(pagesDir, f.repoFileHref), f.repoFile);
    }
    progress.phase?.('search');
    const pagesIndexed = o.repodataOnly ? 0 : await buildSearchIndex(pagesDir) + packagePagesIndexed;

    const pages = listFiles(pagesDir);
    const collisions = findCollisions(pages, [...indexed, ...apt].flatMap((x) => x.sitePaths));
    for (const [page, other] of collisions) diags.report('path-collision', page, other);
    const skip = new Set(collisions.map(([p]) => p));
    movePages(pagesDir, staging, skip, placer);

    const result = [...repos.map((r, i) => {
      const x = indexed[i]!;
      return { id: r.id, path: r.path, packages: x.packages.length, bytes: x.packages.reduce((s, p) => s + p.sizePackage, 0),
        metadata: [...x.repomd.map((m) => m.type), ...(x.syncedSubset ? ['synced subset: repodata regenerated'] : [])] };
    }), ...aptSite.map((r) => ({ id: r.id, path: r.path, packages: r.packageCount, bytes: r.totalSize,
      metadata: ['apt', 'Packages', 'Release', ...(signer ? ['InRelease'] : [])] }))];
    const packagesTotal = result.reduce((s, r) => s + r.packages, 0);
    const manifest: SiteManifest = {
      tool: 'airgap-mirror', version: TOOL_VERSION, baseUrl, baseUrlIsPlaceholder: !o.baseUrl,
      repos: siteRepos,
      aptRepos: aptSite.map(({ totalSize: _bytes, upstream, ...repo }) => ({ ...repo,
        ...(upstream ? { upstream: { ...upstream, key: undefined } } : {}) })),
      signed: !!signer,
    };
    const lost = await lockLost();
    if (lost) {
      throw new UsageError(`the build lock ${buildLockOf(o.outDir)} was lost while building (${lost}): another build may be `
        + `writing ${o.outDir}, so this one did not replace the site; build again once no other build runs`);
    }
    const notSwapped = await swapRefusal(o.outDir, packagesTotal, !!o.allowShrink);
    if (notSwapped) {
      await discardStaging(staging);
    } else {
      swapping = true;
      await commitStaging(staging, o.outDir, manifest);
      // The site is in place; failing to record page keys only means rendering them all next time.
      if (plan) await savePageRecords(plan, o.outDir, skip, cacheDir).catch(() => undefined);
    }
    return {
      exitCode: notSwapped ? ExitCode.FAILED : diags.errors.length ? ExitCode.PARTIAL : ExitCode.OK,
      ...(notSwapped ? { notSwapped } : {}),
      ...(signer ? { signedBy: { fingerprint: signer.key.fingerprint, file: signer.file, created: signer.created } } : {}),
      repos: result, packages: packagesTotal, pages: pagesIndexed, bytesHashed,
      trust: repos.map((r, i) => ({ id: r.id, trust: indexed[i]!.trust })),
      pagesRendered: toRender.length, pagesReused: plan?.reuse.size ?? 0,
      ...(renderMode ? { renderMode } : {}),
      linked: [...indexed, ...apt].reduce((s, x) => s + x.linked, 0), copied: [...indexed, ...apt].reduce((s, x) => s + x.copied, 0),
      cacheHits: [...indexed, ...apt].reduce((s, x) => s + x.cacheHits, 0), threads,
      seconds: (Date.now() - started) / 1000, diagnostics: diags.list,
    };
  } catch (err) {
    await discardStaging(staging);
    throw err;
  } finally {
    releaseYoungGeneration();
    await rm(work, { recursive: true, force: true });
    await unlock().catch(() => {});
    process.removeListener('exit', onExit);
  }
}

/**
 * Why a finished build must not replace the live site at `outDir`, or undefined when it may:
 * it read no package at all (an empty or unmounted mirror, a mistyped --mirror), or fewer than
 * half the packages of the live site (its manifest's package counts, RPM and apt, as `packages`
 * counts both) without `allowShrink`.
 */
async function swapRefusal(outDir: string, packages: number, allowShrink: boolean): Promise<string | undefined> {
  const live = await readSiteManifest(outDir).then(manifestPackageCount, () => undefined);
  if (!packages) return `no package was read, so the site was not replaced${live !== undefined ? ` (the live site at ${outDir} keeps its ${live} packages)` : ''}`;
  if (live !== undefined && packages < live / 2 && !allowShrink) {
    return `this build has ${packages} packages, fewer than half the live site's ${live}: the live site at ${outDir} was left as it was. `
      + 'Check that --mirror is mounted and complete; if the mirror really shrank, build again with --allow-shrink';
  }
  return undefined;
}

/** The key that signs this build's repomd.xml files (see BuildSiteOptions.sign), or undefined for --no-sign. */
async function signingKeyOf(o: BuildSiteOptions): Promise<{ key: SigningKey; file: string; created: boolean } | undefined> {
  if (o.sign === false) return undefined;
  if (o.sign?.keyFile) return { key: await readSigningKey(o.sign.keyFile, o.sign.passphrase), file: o.sign.keyFile, created: false };
  return siteKeyFor(o.outDir, o.sign?.passphrase);
}

/** The incremental cache directory of an output directory: a sibling, so atomic swaps keep it. */
export function cacheDirFor(outDir: string): string {
  const out = resolve(outDir);
  return join(dirname(out), `.${basename(out)}.cache`);
}

/**
 * The preflight of every kernel of the mirror and every node pool (a pool's kernel may be
 * missing from the mirror: its preflight then says what is missing), converted once. A kernel
 * whose preflight cannot run (a string no reader knows) is a `generator-failed` problem; the
 * others go on.
 */
function preflights(repos: RepoPackages, diags: Diagnostics, request?: ClosureRequest, cluster?: ClusterData): PreflightResult[] {
  const packages = closurePackages(repos);
  const kernels = new Map(kernelVersionsIn(repos).map((k) => [k, 'aarch64']));
  for (const p of cluster?.pools ?? []) if (p.os !== 'ubuntu') kernels.set(p.kernel, p.arch); // Ubuntu pools take no RPMs
  return [...kernels].sort(([a], [b]) => a.localeCompare(b)).flatMap(([k, arch]) => {
    try {
      return [dtkPreflight(repos, k, request, packages, arch)];
    } catch (err) {
      diags.report('generator-failed', `preflight of kernel ${k}`, (err as Error).message);
      return [];
    }
  });
}

/** Build time in epoch seconds: SOURCE_DATE_EPOCH when set (reproducible builds), else now. */
function buildTime(): number {
  return sourceDateEpoch() ?? Math.floor(Date.now() / 1000);
}

function normaliseBaseUrl(url: string | undefined): string {
  if (!url) return PLACEHOLDER_BASE_URL;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--base-url ${url}: not an absolute URL`);
  }
  if (!/^https?:$/.test(u.protocol)) throw new UsageError(`--base-url ${url}: must be http or https`);
  return u.href.endsWith('/') ? u.href : `${u.href}/`;
}
