/**
 * Reads every RPM of one repo into package records, reporting each unusable file (one line
 * naming it and the reason) and going on with the rest. Reads run on the package reader
 * (worker threads) and skip files the cache already knows (read-through-cache.ts); results are
 * then taken in path order, so diagnostics and records do not depend on the worker count. Duplicate NEVRAs
 * keep the first file in path order. Records come back sorted by location.
 */
import { posix } from 'node:path';
import type { Diagnostics } from '../errors/catalogue.ts';
import { nevra, type PackageRecord } from '../formats/format.ts';
import type { RepoInput } from './find-repos.ts';
import runReadTasks, { type ReadOutcome, type ReadTask } from './read-task.ts';
import { readThroughCache, type ReadProgress } from './read-through-cache.ts';
import type { PackageReader } from './reader-pool.ts';
import type { PackageCache } from './package-cache.ts';

/** Options of readRepo. */
export interface ReadRepoOptions {
  changelogLimit?: number;
  /** Mirrored keys to verify signatures with (absolute dir, key file names). */
  keys?: { dir: string; files: string[] };
  /** Keep packages that fail a digest or signature check, flagged, instead of leaving them out. */
  keepCorrupt?: boolean;
  /** Worker pool; default: read in this thread. */
  reader?: PackageReader;
  /** Incremental cache; default: none. */
  cache?: PackageCache;
  progress?: ReadProgress;
}

const HTML_LIKE = /<\s*\/?\s*[A-Za-z][^>]*>/;

/** Reads a repo's packages from `mirrorDir`. Never throws for a bad package. */
export async function readRepo(mirrorDir: string, repo: RepoInput, diags: Diagnostics, o: ReadRepoOptions = {}): Promise<PackageRecord[]> {
  const limit = o.changelogLimit !== undefined ? { changelogLimit: o.changelogLimit } : {};
  const outcomes = await readThroughCache(repo.rpms.map((href) => ({ rel: href,
    file: posix.join(mirrorDir, repo.path, href) })), {
    task: (f): ReadTask => ({ file: f.file, href: f.rel, ...limit, ...(o.keys ? { keys: o.keys } : {}) }),
    here: runReadTasks, onThreads: (reader, tasks) => reader.read(tasks),
    hereConcurrency: 2,
    ...(o.reader ? { reader: o.reader } : {}), ...(o.cache ? { cache: o.cache } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });

  const byNevra = new Map<string, PackageRecord>();
  const records: PackageRecord[] = [];
  for (const { rel: href, outcome } of outcomes) {
    const rel = posix.join(repo.path, href);
    if (!outcome.ok) {
      reportReadError(diags, rel, outcome);
      continue;
    }
    const rec = outcome.record;
    const badSigs = rec.signatures.filter((x) => x.verdict === 'bad');
    if (rec.digestProblems.length || badSigs.length) {
      const kept = !!o.keepCorrupt;
      if (rec.digestProblems.length) diags.report('rpm-digest-mismatch', rel, rec.digestProblems.join(', '), kept);
      else diags.report('rpm-bad-signature', rel, [...new Set(badSigs.map((x) => x.keyId))].join(', '), kept);
      if (!kept) continue;
      rec.corrupt = true;
    }
    const key = nevra(rec);
    const kept = byNevra.get(key);
    if (kept) {
      const why = preferred(rec, kept);
      const [keep, drop] = why ? [rec, kept] : [kept, rec];
      diags.report('duplicate-nevra', posix.join(repo.path, drop.locationHref), key, posix.join(repo.path, keep.locationHref),
        why ?? preferred(kept, rec) ?? 'listed first');
      if (!why) continue;
      records.splice(records.indexOf(kept), 1);
    }
    byNevra.set(key, rec);
    if (rec.nonUtf8Tags.length) diags.report('non-utf8-text', rel, rec.nonUtf8Tags.join(', '));
    const html = (['summary', 'description'] as const).filter((f) => HTML_LIKE.test(rec[f]));
    if (html.length) diags.report('html-in-text', rel, html.join(', '));
    records.push(rec);
  }
  return records.sort((a, b) => (a.locationHref < b.locationHref ? -1 : a.locationHref > b.locationHref ? 1 : 0));
}

/**
 * Why `a` should be kept over `b`, two files with one NEVRA, or undefined when it should not:
 * a verified signature beats none, then an intact file beats one kept with --keep-corrupt,
 * then the newer file (mtime, seconds) wins; on a tie the one listed first stays.
 */
function preferred(a: PackageRecord, b: PackageRecord): string | undefined {
  const good = (p: PackageRecord) => p.signatures.some((s) => s.verdict === 'good');
  if (good(a) !== good(b)) return good(a) ? 'its signature verifies' : undefined;
  if (!!a.corrupt !== !!b.corrupt) return a.corrupt ? undefined : 'it is intact';
  return a.timeFile > b.timeFile ? 'it is the newer file' : undefined;
}

function reportReadError(diags: Diagnostics, rel: string, e: Exclude<ReadOutcome, { ok: true }>): void {
  if (e.kind === 'format') {
    if (e.reason === 'empty') diags.report('rpm-empty', rel);
    else if (e.reason === 'truncated') diags.report('rpm-truncated', rel, e.message);
    else if (e.reason === 'bad-magic') diags.report('rpm-not-rpm', rel, e.message);
    else diags.report('rpm-corrupt-header', rel, e.message);
    return;
  }
  if (e.code === 'ELOOP') diags.report('symlink-loop', rel);
  else if (e.code === 'EISDIR') diags.report('rpm-not-rpm', rel, 'it is a directory');
  else diags.report('file-unreadable', rel, e.code);
}
