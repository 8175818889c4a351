/**
 * Runs read tasks on worker threads (Piscina) so header parsing and hashing use every core;
 * with one worker the tasks run in this thread. Results do not depend on the worker count.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import runReadTasks, { fromTransfer, type ReadOutcome, type ReadTask, type TransferOutcome } from './read-task.ts';

/** Something that reads packages: `read` a batch of tasks (results in order), `close` when done. */
export interface PackageReader {
  workers: number;
  /** Threads that actually ran (0 until the first threaded read). */
  threadsUsed(): number;
  read(tasks: ReadTask[]): Promise<ReadOutcome[]>;
  close(): Promise<void>;
}

/** Default worker count: the machine's available parallelism. */
export const defaultWorkers = () => availableParallelism();

/** Packages below which one thread is faster: starting workers costs more than they save (npm run bench, 1k packages). */
export const THREADS_FROM_PACKAGES = 2000;

/** Default worker count for a build reading `packages` files: every core for large mirrors, one thread for small ones. */
export const defaultWorkersFor = (packages: number) => (packages >= THREADS_FROM_PACKAGES ? defaultWorkers() : 1);

/**
 * Fewest packages to read in a repo (after cache hits) for threads to be used: below it the
 * threads' start-up (about 0.1 s each) costs more than they save, e.g. in an incremental
 * run. Environment AIRGAP_MIRROR_THREADS_FROM_READS overrides it (the tests set 1 to run
 * the threaded path on the small sample mirror).
 */
export const THREADS_FROM_READS = Number(process.env.AIRGAP_MIRROR_THREADS_FROM_READS ?? 200);

/** A reader with `workers` threads (1: in-process); the threads start on the first read. */
export function createPackageReader(workers = defaultWorkers()): PackageReader {
  if (workers <= 1) return { workers: 1, threadsUsed: () => 0, read: runReadTasks, close: async () => {} };
  let pool: Piscina | undefined;
  return {
    workers,
    threadsUsed: () => (pool ? workers : 0),
    read: (tasks) => {
      pool ??= new Piscina({ filename: new URL('./read-worker.mjs', import.meta.url).href, minThreads: workers, maxThreads: workers });
      return (pool.run(tasks) as Promise<TransferOutcome[]>).then((outcomes) => outcomes.map(fromTransfer));
    },
    close: async () => { await pool?.destroy(); },
  };
}
