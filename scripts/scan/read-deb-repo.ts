/**
 * Reads every `.deb` of one apt repo (the apt counterpart of read-repo.ts) through the shared read
 * loop (read-through-cache.ts): unchanged files from the incremental cache, the rest by the deb
 * format's reader, on the reader's threads or on this thread. Outcomes come back in path order
 * whatever ran them; nothing here throws for a bad file.
 */
import { join } from 'node:path';
import type { DebPackage } from '../formats/format.ts';
import type { PackageCache } from './package-cache.ts';
import { runDebReadTasks, type DebReadOutcome, type DebReadTask } from './read-deb-task.ts';
import { readThroughCache, type ReadProgress } from './read-through-cache.ts';
import type { PackageReader } from './reader-pool.ts';

/** Options of readDebRepo: reader threads, changelog entries kept per package, incremental cache, progress. */
export interface ReadDebRepoOptions {
  reader?: PackageReader; changelogLimit?: number; cache?: PackageCache<DebPackage>; progress?: ReadProgress;
}

/**
 * Reads the `.deb` files `debs` (paths relative to `repoDir`); returns one outcome per file, in
 * the order given. A file that cannot be stat'ed is an `fs` outcome.
 */
export function readDebRepo(repoDir: string, debs: string[], o: ReadDebRepoOptions = {}):
  Promise<{ rel: string; outcome: DebReadOutcome }[]> {
  const limit = o.changelogLimit !== undefined ? { changelogLimit: o.changelogLimit } : {};
  return readThroughCache(debs.map((rel) => ({ rel, file: join(repoDir, rel) })), {
    task: (f): DebReadTask => ({ file: f.file, ...limit }),
    here: runDebReadTasks, onThreads: (reader, tasks) => reader.readDebs(tasks),
    hereConcurrency: 1, // a .deb is read with synchronous calls: a second batch would only wait
    ...(o.reader ? { reader: o.reader } : {}), ...(o.cache ? { cache: o.cache } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
}
