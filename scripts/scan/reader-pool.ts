/**
 * Runs read tasks on worker threads (Piscina) so header parsing and hashing use every core;
 * with one worker the tasks run in this thread. Results do not depend on the worker count.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { DebPackage } from '../formats/package-readers.ts';
import { runDebReadTasks, type DebFormatFailure, type DebReadOutcome, type DebReadTask } from './read-deb-task.ts';
import runReadTasks, {
  fromTransfer, type ReadOutcome, type ReadTask, type Transferred, type TransferOutcome,
} from './read-task.ts';

/** Something that reads packages: `read` a batch of tasks (results in order), `close` when done. */
export interface PackageReader {
  workers: number;
  /** Fewest package reads in a repo for which the threads are used (see useThreads). */
  threadsFromReads: number;
  /** Threads that actually ran (0 until the first threaded read). */
  threadsUsed(): number;
  /** Starts the threads now (they take about 0.15 s to boot), so they are ready by the first read; no-op with one worker. */
  start(): void;
  read(tasks: ReadTask[]): Promise<ReadOutcome[]>;
  /** Reads a batch of `.deb` tasks (results in order). */
  readDebs(tasks: DebReadTask[]): Promise<DebReadOutcome[]>;
  close(): Promise<void>;
}

/** Default worker count: the machine's available parallelism. */
export const defaultWorkers = () => availableParallelism();

/**
 * Fewest packages to read in a repo (after cache hits) for threads to be used: below it the
 * threads' start-up (about 0.1 s each) costs more than they save, e.g. in an incremental
 * run. Environment AIRGAP_MIRROR_THREADS_FROM_READS overrides it (the tests set 1 to run
 * the threaded path on the small sample mirror).
 */
export const THREADS_FROM_READS = Number(process.env.AIRGAP_MIRROR_THREADS_FROM_READS ?? 200);

/**
 * Bytes to read in a repo from which threads are used however few the packages: each byte
 * is hashed twice (file SHA-256 and payload digest, about 0.7 s per GB per core here), so
 * past 256 MiB the threads' start-up is repaid (16 packages of 64 MiB: 1.9 s on one thread,
 * 1.65 s on two). Environment AIRGAP_MIRROR_THREADS_FROM_BYTES overrides it (tests).
 */
export const THREADS_FROM_BYTES = Number(process.env.AIRGAP_MIRROR_THREADS_FROM_BYTES ?? 256 << 20);

/** Whether a repo with `reads` packages totalling `bytes` to read should use the reader's threads. */
export function useThreads(reader: PackageReader, reads: number, bytes: number): boolean {
  return reader.workers > 1 && reads > 1 && (reads >= reader.threadsFromReads || bytes >= THREADS_FROM_BYTES);
}

/**
 * The reader of a build: with `workers` given, that many threads, used for a repo with at
 * least THREADS_FROM_READS packages or THREADS_FROM_BYTES to read; by default every core,
 * used by bytes only. With the young generation held while indexing (young-generation.ts),
 * one thread reads 10,000 small packages (114 MB) faster than two (median of 3: 2.86 s
 * against 3.28 s): the main thread parses every record either way, so threads pay only
 * for hashing many bytes.
 */
export function buildReader(workers?: number): PackageReader {
  return createPackageReader(workers ?? defaultWorkers(), workers ? THREADS_FROM_READS : Infinity);
}

/** A reader with `workers` threads (1: in-process); the threads start on `start` or the first read. */
export function createPackageReader(workers = defaultWorkers(), threadsFromReads = THREADS_FROM_READS): PackageReader {
  if (workers <= 1) {
    return { workers: 1, threadsFromReads, threadsUsed: () => 0, start: () => {}, read: runReadTasks,
      readDebs: runDebReadTasks, close: async () => {} };
  }
  let pool: Piscina | undefined;
  let used = false;
  const start = () => (pool ??= new Piscina({ filename: new URL('./read-worker.mjs', import.meta.url).href, minThreads: workers, maxThreads: workers }));
  return {
    workers,
    threadsFromReads,
    threadsUsed: () => (used ? workers : 0),
    start: () => void start(),
    read: (tasks) => {
      used = true;
      return (start().run(tasks) as Promise<TransferOutcome[]>).then((outcomes) => outcomes.map(fromTransfer));
    },
    readDebs: async (tasks) => {
      used = true;
      return (start().run(tasks, { name: 'readDebs' }) as Promise<Transferred<DebFormatFailure>[]>)
        .then((outcomes) => outcomes.map((o) => fromTransfer<DebPackage, DebFormatFailure>(o)));
    },
    close: async () => {
      const p = pool;
      pool = undefined; // closed once, whoever closes it first
      await p?.destroy();
    },
  };
}
