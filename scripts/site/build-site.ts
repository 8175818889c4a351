/**
 * The main job: mirror tree in, one static site out. Scan → read RPM headers → write each
 * repo's repodata next to hard-linked packages → render pages → swap the site in atomically.
 * The mirror tree is only read.
 */
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Diagnostics, type Diagnostic } from '../errors/catalogue.ts';
import { ExitCode, UsageError } from '../errors/exit-codes.ts';
import { findRepos, type RepoSpec } from '../scan/find-repos.ts';
import { readRepo } from '../scan/read-repo.ts';
import { writeRepodata } from '../repodata/write-repodata.ts';
import { carryUpstreamMetadata, readUpstreamRepomd } from '../repodata/upstream-metadata.ts';
import type { RepomdRecord } from '../repodata/repomd-xml.ts';
import { catalogRepo, writeCatalog, type CatalogData, type CatalogRepo } from '../catalog/catalog-data.ts';
import { commitStaging, discardStaging, prepareStaging } from './output-dir.ts';
import { placeFile } from './link-packages.ts';
import { findCollisions, listFiles, removePages } from './page-collisions.ts';
import { renderPages } from './render-pages.ts';
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
}

/** Progress events (counts, bytes) for a terminal display. */
export interface BuildProgress {
  phase?: (name: string, total?: number) => void;
  file?: () => void;
  bytes?: (n: number) => void;
  diagnostic?: (d: Diagnostic) => void;
}

/** Outcome of a build: exit code, counts, sizes in bytes, elapsed seconds, diagnostics. */
export interface BuildResult {
  exitCode: number;
  repos: { id: string; path: string; packages: number; bytes: number; metadata: string[] }[];
  packages: number;
  bytesHashed: number;
  linked: number;
  copied: number;
  seconds: number;
  diagnostics: Diagnostic[];
}

/** Placeholder base URL when none is configured. */
export const PLACEHOLDER_BASE_URL = 'http://MIRROR-HOST/';
const KEY_FILE = /(\.pub|\.asc|^RPM-GPG-KEY-.*)$/;

/**
 * Builds the site. Throws UsageError for unusable arguments (missing mirror, unsafe --out);
 * every per-file problem is a diagnostic instead and the build goes on.
 */
export async function buildSite(o: BuildSiteOptions, progress: BuildProgress = {}): Promise<BuildResult> {
  const started = Date.now();
  const diags = new Diagnostics(progress.diagnostic);
  await readdir(o.mirrorDir).catch((err) => { throw new UsageError(`cannot read the mirror ${o.mirrorDir} (${(err as NodeJS.ErrnoException).code})`); });
  const baseUrl = normaliseBaseUrl(o.baseUrl);
  const staging = await prepareStaging(o.mirrorDir, o.outDir);
  const work = await mkdtemp(join(tmpdir(), 'airgap-build-'));
  let bytesHashed = 0, linked = 0, copied = 0;
  try {
    progress.phase?.('scan');
    for (const r of o.repos ?? []) {
      const isDir = await stat(join(o.mirrorDir, r.path)).then((s) => s.isDirectory(), () => false);
      if (!isDir) throw new UsageError(`--repo ${r.path}: not found in the mirror`);
    }
    const repos = await findRepos(o.mirrorDir, diags, o.repos ?? []);
    progress.phase?.('read', repos.reduce((s, r) => s + r.rpms.length, 0));
    const catalogRepos: CatalogRepo[] = [];
    const mirrorPaths: string[] = [];
    const result: BuildResult['repos'] = [];
    for (const repo of repos) {
      const repoIn = join(o.mirrorDir, repo.path);
      const repoOut = join(staging, repo.path);
      const packages = await readRepo(o.mirrorDir, repo, diags, { onFile: progress.file, onBytes: (n) => { bytesHashed += n; progress.bytes?.(n); } }, o.changelogLimit);
      if (!packages.length) diags.report('repo-empty', repo.path || '.');
      for (const p of packages) {
        (await placeFile(join(repoIn, p.locationHref), join(repoOut, p.locationHref))) === 'link' ? linked++ : copied++;
        mirrorPaths.push(posix.join(repo.path, p.locationHref));
      }
      const keyFiles = (await readdir(repoIn, { withFileTypes: true })).filter((e) => e.isFile() && KEY_FILE.test(e.name)).map((e) => e.name).sort();
      for (const k of keyFiles) {
        await placeFile(join(repoIn, k), join(repoOut, k));
        mirrorPaths.push(posix.join(repo.path, k));
      }
      let revision = Math.max(0, ...packages.map((p) => p.timeFile));
      let extras: RepomdRecord[] = [];
      if (repo.hasUpstreamRepodata) {
        try {
          const upstream = await readUpstreamRepomd(repoIn);
          if (upstream.revision && /^\d+$/.test(upstream.revision)) revision = Math.max(revision, Number(upstream.revision));
          const dir = join(repoOut, 'repodata');
          await mkdir(dir, { recursive: true });
          const carried = await carryUpstreamMetadata(repoIn, dir, upstream.extras, revision);
          for (const pr of carried.problems) diags.report('upstream-metadata-bad', posix.join(repo.path, 'repodata', posix.basename(pr.file)), pr.type, pr.reason);
          extras = carried.records;
        } catch (err) {
          diags.report('upstream-repomd-bad', posix.join(repo.path, 'repodata/repomd.xml'), (err as Error).message);
        }
      }
      const repomd = await writeRepodata({ repoOutDir: repoOut, packages, revision, extras });
      for (const m of repomd) mirrorPaths.push(posix.join(repo.path, m.href));
      mirrorPaths.push(posix.join(repo.path, 'repodata/repomd.xml'));
      catalogRepos.push(catalogRepo(repo, packages, repomd, revision, keyFiles, baseUrl));
      result.push({ id: repo.id, path: repo.path, packages: packages.length, bytes: packages.reduce((s, p) => s + p.sizePackage, 0), metadata: repomd.map((m) => m.type) });
    }

    progress.phase?.('pages');
    const catalog: CatalogData = { toolVersion: TOOL_VERSION, baseUrl, baseUrlIsPlaceholder: !o.baseUrl, repos: catalogRepos };
    const catalogFile = join(work, 'catalog.json');
    await writeCatalog(catalogFile, catalog);
    const pagesDir = await renderPages(catalogFile);
    const pages = await listFiles(pagesDir);
    const collisions = findCollisions(pages, mirrorPaths);
    for (const [page, other] of collisions) diags.report('path-collision', page, other);
    await removePages(pagesDir, collisions.map(([p]) => p));
    for (const page of pages) if (!collisions.some(([p]) => p === page)) await placeFile(join(pagesDir, page), join(staging, page));

    const exitCode = diags.errors.length ? ExitCode.PARTIAL : ExitCode.OK;
    const packagesTotal = result.reduce((s, r) => s + r.packages, 0);
    await commitStaging(staging, o.outDir, { tool: 'airgap-mirror', version: TOOL_VERSION, repos: result.map((r) => ({ id: r.id, path: r.path, packages: r.packages })) });
    return { exitCode: packagesTotal ? exitCode : ExitCode.FAILED, repos: result, packages: packagesTotal, bytesHashed, linked, copied, seconds: (Date.now() - started) / 1000, diagnostics: diags.list };
  } catch (err) {
    await discardStaging(staging);
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
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
