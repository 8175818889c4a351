/**
 * The read loop both formats share (read-repo.ts for RPMs, read-deb-repo.ts for `.deb` files):
 * each file stat'ed; one whose size, mtime, inode and device the incremental cache knows is taken
 * from it (package-cache.ts); the rest read in batches (readBatches), on the reader's threads for a
 * repo with enough to read (reader-pool.ts: useThreads), else on this thread; each fresh record
 * remembered in the cache, with the JSON a thread sent so it is not serialized again. Outcomes come
 * back in the order of the files given, whatever ran them; nothing here throws for a bad file.
 */
import { statSync, type Stats } from 'node:fs';
import pMap from 'p-map';
import type { PackageCache } from './package-cache.ts';
import { fsFailure, type Outcome } from './read-task.ts';
import { useThreads, type PackageReader } from './reader-pool.ts';

/** Progress callbacks: one per file, and bytes read (a fresh file's size once read). */
export interface ReadProgress { onFile?: () => void; onBytes?: (bytes: number) => void }

/** Most packages per worker message. */
const BATCH = 32;
/** Bytes after which a batch takes no more packages, so large packages spread over all threads. */
const BATCH_BYTES = 8 << 20;

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

/** One file to read: its path relative to the repo (the cache's key) and on disk. */
export interface FileToRead { rel: string; file: string }

/**
 * How one format reads through the cache: the task for a file, a batch read on this thread and on
 * the reader's threads (outcomes in task order), how many batches this thread reads at once, and
 * the reader, cache and progress callbacks.
 */
export interface ReadThroughOptions<R, F extends { ok: false }, T> {
  task(f: FileToRead): T;
  here(tasks: T[]): Promise<Outcome<R, F>[]>;
  onThreads(reader: PackageReader, tasks: T[]): Promise<Outcome<R, F>[]>;
  hereConcurrency: number;
  reader?: PackageReader; cache?: PackageCache<R>; progress?: ReadProgress;
}

/** Reads `files` (see the module comment); returns one outcome per file, in the order given. */
export async function readThroughCache<R, F extends { ok: false }, T>(files: FileToRead[],
  o: ReadThroughOptions<R, F, T>): Promise<{ rel: string; outcome: Outcome<R, F> }[]> {
  const out: { rel: string; outcome: Outcome<R, F> }[] = [];
  const pending: { i: number; st: Stats; task: T }[] = [];
  for (const [i, f] of files.entries()) {
    try {
      // (synchronous stat: a thread-pool round trip per file costs more than the call itself)
      const st = statSync(f.file);
      const cached = o.cache?.get(f.rel, st);
      if (cached) {
        out[i] = { rel: f.rel, outcome: { ok: true, record: cached } };
        o.progress?.onFile?.();
      } else {
        pending.push({ i, st, task: o.task(f) });
      }
    } catch (err) {
      out[i] = { rel: f.rel, outcome: fsFailure(err) };
      o.progress?.onFile?.();
    }
  }
  const pool = o.reader && useThreads(o.reader, pending.length, pending.reduce((n, p) => n + p.st.size, 0))
    ? o.reader : undefined;
  await pMap(readBatches(pending), async (batch) => {
    const outcomes = await (pool ? o.onThreads(pool, batch.map((p) => p.task)) : o.here(batch.map((p) => p.task)));
    for (const [k, p] of batch.entries()) {
      const outcome = outcomes[k]!, rel = files[p.i]!.rel;
      out[p.i] = { rel, outcome };
      if (outcome.ok) o.cache?.set(rel, p.st, outcome.record, outcome.recordJson);
      o.progress?.onBytes?.(p.st.size);
      o.progress?.onFile?.();
    }
  }, { concurrency: pool ? 4 * pool.workers : o.hereConcurrency }); // batches queued ahead, no thread waits
  return out;
}
