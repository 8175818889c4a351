/**
 * Reads every RPM of one repo into package records, reporting each unusable file (one line
 * naming it and the reason) and going on with the rest. Reads run on the package reader
 * (worker threads) and skip files the cache already knows; results are then taken in path
 * order, so diagnostics and records do not depend on the worker count. Duplicate NEVRAs
 * keep the first file in path order. Records come back sorted by location.
 */
import { statSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import pMap from 'p-map';
import type { Diagnostics } from '../errors/catalogue.ts';
import { nevra, type PackageRecord } from '../formats/format.ts';
import type { RepoInput } from './find-repos.ts';
import runReadTasks, { type ReadOutcome, type ReadTask } from './read-task.ts';
import { useThreads, type PackageReader } from './reader-pool.ts';
import type { PackageCache } from './package-cache.ts';

/** Progress callbacks: one per file, and bytes read (a fresh file's size once read). */
export interface ReadProgress { onFile?: () => void; onBytes?: (bytes: number) => void }

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
/** Most packages per worker message. */
const BATCH = 32;
/** Bytes after which a batch takes no more packages, so large packages spread over all threads. */
const BATCH_BYTES = 8 << 20;

/** Reads a repo's packages from `mirrorDir`. Never throws for a bad package. */
export async function readRepo(mirrorDir: string, repo: RepoInput, diags: Diagnostics, o: ReadRepoOptions = {}): Promise<PackageRecord[]> {
  // 1. stat every file; cache hits and unreadable files are settled here
  const outcomes: { href: string; outcome: ReadOutcome }[] = [];
  const pending: { i: number; st: Stats; task: ReadTask }[] = [];
  // (synchronous stat: a thread-pool round trip per file costs more than the call itself)
  for (const [i, href] of repo.rpms.entries()) {
    const file = posix.join(mirrorDir, repo.path, href);
    try {
      const st = statSync(file);
      const cached = o.cache?.get(href, st);
      if (cached) {
        outcomes[i] = { href, outcome: { ok: true, record: cached } };
        o.progress?.onFile?.();
      } else {
        pending.push({ i, st, task: { file, href, ...(o.changelogLimit !== undefined ? { changelogLimit: o.changelogLimit } : {}), ...(o.keys ? { keys: o.keys } : {}) } });
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      outcomes[i] = { href, outcome: { ok: false, kind: 'fs', code: e.code ?? 'EIO', message: e.message } };
      o.progress?.onFile?.();
    }
  }
  // 2. read the rest in batches (one worker message per batch); a few reads stay in this thread
  const pool = o.reader && useThreads(o.reader, pending.length, pending.reduce((n, p) => n + p.st.size, 0)) ? o.reader : undefined;
  const read = pool?.read ?? runReadTasks;
  await pMap(readBatches(pending), async (batch) => {
    const results = await read(batch.map((p) => p.task));
    for (const [k, p] of batch.entries()) {
      const outcome = results[k]!;
      outcomes[p.i] = { href: p.task.href, outcome };
      if (outcome.ok) o.cache?.set(p.task.href, p.st, outcome.record, outcome.recordJson);
      o.progress?.onBytes?.(p.st.size);
      o.progress?.onFile?.();
    }
  }, { concurrency: pool ? 4 * pool.workers : 2 }); // batches queued ahead, so no worker waits for the main thread

  const byNevra = new Map<string, PackageRecord>();
  const records: PackageRecord[] = [];
  for (const { href, outcome } of outcomes) {
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

/**
 * Splits reads into worker messages, in order: at most BATCH packages each, and a batch
 * that reached BATCH_BYTES (file sizes, bytes) takes no more, so a few large packages still
 * spread over every thread.
 */
export function readBatches<T extends { st: { size: number } }>(reads: T[]): T[][] {
  const batches: T[][] = [];
  let bytes = 0;
  for (const r of reads) {
    const last = batches.at(-1);
    if (!last || last.length >= BATCH || bytes >= BATCH_BYTES) {
      batches.push([r]);
      bytes = r.st.size;
    } else {
      last.push(r);
      bytes += r.st.size;
    }
  }
  return batches;
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
