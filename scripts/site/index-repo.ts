/**
 * Indexes one repo into the staging site: reads its RPMs, places them (hard link or copy)
 * and its key files, carries upstream extra metadata, writes repodata/.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Diagnostics } from '../errors/catalogue.ts';
import type { RepoInput } from '../scan/find-repos.ts';
import { readRepo } from '../scan/read-repo.ts';
import type { ReadProgress } from '../scan/read-through-cache.ts';
import {
  type PackageRecord, writeRepodata, carryUpstreamMetadata, readUpstreamRepomd, type UpstreamData,
  copyUpstreamRepodata, readUpstreamPrimary, upstreamMismatch, type RepomdRecord, subsetMetadataFilter
} from '../formats/format.ts';
import { FilePlacer } from './link-packages.ts';
import { carryRepodata } from './previous-indices.ts';
import { loadKeys } from '../trust/mirror-keys.ts';
import type { PackageReader } from '../scan/reader-pool.ts';
import { PackageCache } from '../scan/package-cache.ts';
import { TOOL_VERSION } from '../tool-version.ts';
import { publishableUrl } from '../url-path.ts';
import { sourceDateEpoch } from '../source-date.ts';
import { detachSign, type SigningKey } from '../trust/site-key.ts';
import type { RepomdTrust } from '../generators/repo-sets.ts';
import { repoTrust, type RepoTrust } from '../trust/repo-trust.ts';
import { parseRepoFile } from '../generators/repo-file-parser.ts';
import { readSyncState } from '../sync/sync-state.ts';
import { mirrorRootOf, outsideMirror } from '../scan/inside-mirror.ts';

/** repomd.xml and the signature and key files published beside it. */
const COMPANIONS = ['repomd.xml', 'repomd.xml.asc', 'repomd.xml.key'];

/** OpenPGP key files a repo may carry beside its packages. */
export const KEY_FILE = /(\.pub|\.asc|^RPM-GPG-KEY-.*)$/;

/** Options of indexRepo: changelog limit, signature verification, --keep-corrupt, worker pool, cache directory, upstream repodata policy. */
export interface IndexOptions {
  changelogLimit?: number; verifySignatures?: boolean; keepCorrupt?: boolean; reader?: PackageReader; cacheDir?: string;
  repodata?: RepodataPolicy;
  /** Signs the repomd.xml the build writes (trust/site-key.ts); without it, repodata is unsigned. */
  signingKey?: SigningKey;
  /** The live site being replaced: the metadata files its repomd.xml names are kept (previous-indices.ts). */
  liveSite?: string;
}

/** Site path of the site's public key, which verifies every repomd.xml the build signs. */
export const SITE_KEY_PATH = '_site/keys/site-key.pub.asc';

/** What to do with a repo's own repodata/: always write ours, reuse it when it matches the files, or always reuse it. */
export type RepodataPolicy = 'regenerate' | 'auto' | 'keep';

/**
 * Serves the upstream repodata verbatim when it describes exactly the packages read (or
 * always, with `force`); returns its repomd records, or undefined to regenerate.
 */
async function reuseUpstream(repoIn: string, repoOut: string, all: UpstreamData[], out: IndexedRepo, force: boolean,
  warn: (why: string, kept: boolean) => void): Promise<RepomdRecord[] | undefined> {
  const primary = all.find((e) => e.type === 'primary');
  const listed = primary && (await readUpstreamPrimary(repoIn, primary));
  const why = !primary ? 'repomd.xml lists no primary metadata'
    : !listed ? `its primary metadata (${primary.href}) is compressed in a format not read here`
    : await upstreamMismatch(repoIn, out.packages, listed);
  if (why && !force) { warn(why, false); return undefined; }
  try {
    const records = await copyUpstreamRepodata(repoIn, repoOut, all, out.revision);
    if (why) warn(why, true);
    return records;
  } catch (err) {
    await rm(join(repoOut, 'repodata'), { recursive: true, force: true });
    warn((err as Error).message, false);
    return undefined;
  }
}

/**
 * Key files of a repo directory: `*.pub`, `*.asc`, `RPM-GPG-KEY-*`, and the files named by
 * the `gpgkey=` URLs of an upstream `.repo` file in the directory (matched by base name).
 * Links are listed too, for the caller to check where they lead; only regular `.repo` files
 * are read.
 */
async function repoKeyFiles(repoIn: string): Promise<string[]> {
  const dirents = await readdir(repoIn, { withFileTypes: true });
  const entries = dirents.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  const files = new Set(entries.filter((n) => KEY_FILE.test(n)));
  for (const n of dirents.filter((e) => e.isFile() && e.name.endsWith('.repo')).map((e) => e.name)) {
    const text = await readFile(join(repoIn, n), 'utf8').catch(() => '');
    for (const s of parseRepoFile(text)) for (const url of (s.options.gpgkey ?? '').split(/[\s,]+/).filter(Boolean)) {
      const base = url.split('/').pop()!;
      if (entries.includes(base)) files.add(base);
    }
  }
  return [...files].sort();
}

/** What indexing one repo produced. `revision` in epoch seconds. */
export interface IndexedRepo {
  packages: PackageRecord[];
  trust: RepoTrust;
  repomd: RepomdRecord[];
  revision: number;
  keyFiles: string[];
  /** Site paths written for this repo (packages, keys, repodata), '/'-separated. */
  sitePaths: string[];
  linked: number;
  copied: number;
  /** Packages taken from the incremental cache. */
  cacheHits: number;
  /** The repo is a subset of upstream taken by sync: repodata regenerated, modules and groups kept to its packages. */
  syncedSubset?: boolean;
  /** The upstream baseurl sync took the repo from, if it did. */
  syncedFrom?: string;
  /** Who signs the repomd.xml served: the site key, the upstream key (kept verbatim), or why nothing does. */
  repomdTrust: RepomdTrust;
  /**
   * What the records depend on besides the package files, their hrefs and mtimes: tool version,
   * changelog limit, signing keys (also the incremental cache's context).
   */
  recordContext: string;
}

/** Indexes `repo` of `mirrorDir` into `staging`. Per-file problems go to `diags`. */
export async function indexRepo(mirrorDir: string, staging: string, repo: RepoInput, diags: Diagnostics,
  progress: ReadProgress, o: IndexOptions = {}): Promise<IndexedRepo> {
  const repoIn = join(mirrorDir, repo.path);
  const repoOut = join(staging, repo.path);
  const root = mirrorRootOf(mirrorDir);
  /** True (and reported) when a non-package input may not be published: see inside-mirror.ts. */
  const refused = (rel: string) => {
    const why = outsideMirror(root, repoIn, rel);
    if (why) diags.report('input-outside-mirror', repo.path ? `${repo.path}/${rel}` : rel, why);
    return !!why;
  };
  const keyFiles = (await repoKeyFiles(repoIn)).filter((f) => !refused(f));
  const loaded = await loadKeys(repoIn, keyFiles);
  for (const pr of loaded.problems) diags.report('key-file-unreadable', posix.join(repo.path, pr.file), pr.reason);
  const verify = o.verifySignatures !== false && loaded.keys.length > 0;
  const context = JSON.stringify([TOOL_VERSION, o.changelogLimit ?? null, verify ? loaded.keys.map((k) => k.fingerprint).sort() : 'no-verify']);
  const cache = o.cacheDir ? await PackageCache.open(o.cacheDir, repo.path || '_root', context) : undefined;
  const packages = await readRepo(mirrorDir, repo, diags, {
    ...(o.changelogLimit !== undefined ? { changelogLimit: o.changelogLimit } : {}),
    ...(verify ? { keys: { dir: repoIn, files: keyFiles } } : {}),
    keepCorrupt: !!o.keepCorrupt, progress, ...(o.reader ? { reader: o.reader } : {}), ...(cache ? { cache } : {}),
  });
  await cache?.save();
  const synced = await readSyncState(repoIn);
  const from = synced && publishableUrl(synced.baseurl); // published in the runbooks: no credentials or tokens
  const out: IndexedRepo = {
    packages, keyFiles, trust: repoTrust(packages, loaded, o.verifySignatures !== false),
    repomd: [], revision: 0, sitePaths: [], linked: 0, copied: 0, cacheHits: cache?.hits ?? 0, recordContext: context,
    repomdTrust: { offReason: 'the site was built with --no-sign' },
    ...(synced ? { syncedSubset: synced.subset, ...(from ? { syncedFrom: from } : {}) } : {}),
  };
  if (out.trust.unknownKey && loaded.keys.length) {
    diags.report('unknown-signing-keys', repo.path || '.', out.trust.unknownKey, out.trust.unknownKeyIds.join(', '));
  }
  if (!out.packages.length) diags.report('repo-empty', repo.path || '.');
  const placer = new FilePlacer();
  for (const rel of [...out.packages.map((p) => p.locationHref), ...out.keyFiles]) {
    placer.place(join(repoIn, rel), join(repoOut, rel));
    out.sitePaths.push(posix.join(repo.path, rel));
  }
  out.linked = placer.linked;
  out.copied = placer.copied;

  out.revision = out.packages.reduce((m, p) => Math.max(m, p.timeFile), 0);
  let extras: RepomdRecord[] = [];
  let kept: RepomdRecord[] | undefined;
  if (repo.hasUpstreamRepodata) {
    const where = posix.join(repo.path, 'repodata/repomd.xml');
    try {
      const upstream = await readUpstreamRepomd(repoIn);
      if (upstream.revision && /^\d+$/.test(upstream.revision)) out.revision = Math.max(out.revision, Number(upstream.revision));
      // A repo sync took only part of: upstream's repodata describes packages that are not here.
      const subset = out.syncedSubset === true;
      // hrefs that leave the repo, and files linked out of the tree, are never carried or served
      const all = upstream.all.filter((e) => !refused(e.href));
      const companions = COMPANIONS.filter((n) => !refused(`repodata/${n}`));
      const whole = all.length === upstream.all.length && companions.length === COMPANIONS.length;
      if ((o.repodata ?? 'regenerate') !== 'regenerate' && !subset && whole) {
        kept = await reuseUpstream(repoIn, repoOut, all, out, o.repodata === 'keep',
          (why, k) => diags.report('upstream-repodata-stale', where, why, k));
      }
      if (!kept) {
        const dir = join(repoOut, 'repodata');
        await mkdir(dir, { recursive: true });
        const filter = subset ? subsetMetadataFilter(out.packages) : undefined;
        const carried = await carryUpstreamMetadata(repoIn, dir, upstream.extras.filter((e) => all.includes(e)), out.revision, filter);
        for (const pr of carried.problems) {
          diags.report('upstream-metadata-bad', posix.join(repo.path, 'repodata', posix.basename(pr.file)), pr.type, pr.reason);
        }
        extras = carried.records;
      }
    } catch (err) {
      diags.report('upstream-repomd-bad', where, (err as Error).message);
    }
  }
  out.repomd = kept ?? await writeRepodata({ repoOutDir: repoOut, packages: out.packages, revision: out.revision, extras });
  out.sitePaths.push(...out.repomd.map((m) => posix.join(repo.path, m.href)), posix.join(repo.path, 'repodata/repomd.xml'));
  if (kept) out.repomdTrust = await keptRepomdTrust(repoOut, repo.path);
  else if (o.signingKey) {
    await signRepomd(join(repoOut, 'repodata'), o.signingKey, out.revision);
    out.repomdTrust = { key: SITE_KEY_PATH };
  }
  for (const n of ['repomd.xml.asc', 'repomd.xml.key']) {
    if (await stat(join(repoOut, 'repodata', n)).then(() => true, () => false)) out.sitePaths.push(posix.join(repo.path, 'repodata', n));
  }
  if (o.liveSite) {
    const carried = await carryRepodata(join(o.liveSite, repo.path), repoOut, new FilePlacer());
    out.sitePaths.push(...carried.map((rel) => posix.join(repo.path, rel)));
  }
  return out;
}

/**
 * Writes `repomd.xml.asc` (a detached armored signature of repomd.xml) and `repomd.xml.key` (the
 * public key) into `repodata`, as CUDA's repos publish them and librepo checks with repo_gpgcheck=1.
 * The signature is dated SOURCE_DATE_EPOCH when set (reproducible builds), else at the repo's
 * revision (never in the future); detachSign keeps it from preceding the key. The same input,
 * key and date give the same bytes.
 */
async function signRepomd(repodata: string, key: SigningKey, revision: number): Promise<void> {
  const date = new Date((sourceDateEpoch() ?? Math.min(revision, Date.now() / 1000)) * 1000);
  const signature = await detachSign(key, await readFile(join(repodata, 'repomd.xml')), date);
  await writeFile(join(repodata, 'repomd.xml.asc'), signature);
  await writeFile(join(repodata, 'repomd.xml.key'), key.publicArmored);
}

/** The trust of upstream repodata served verbatim: its own key when upstream signed repomd.xml and ships the key. */
async function keptRepomdTrust(repoOut: string, path: string): Promise<RepomdTrust> {
  const has = (n: string) => stat(join(repoOut, 'repodata', n)).then(() => true, () => false);
  if (await has('repomd.xml.asc') && await has('repomd.xml.key')) return { key: posix.join(path, 'repodata/repomd.xml.key') };
  return { offReason: 'its upstream repodata is served as it is and upstream published no repomd.xml signature with its key' };
}
