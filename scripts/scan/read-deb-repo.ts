/**
 * Reads every `.deb` of one apt repo (the apt counterpart of read-repo.ts): each file stat'ed,
 * taken from the incremental cache when its size, mtime, inode and device are unchanged
 * (package-cache.ts), else read by the deb format's reader, on the reader's threads for a repo
 * with enough to read (reader-pool.ts: useThreads), else on this thread. Outcomes come back in
 * path order whatever ran them; nothing here throws for a bad file.
 */
import { statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { DebPackage } from '../formats/format.ts';
import type { PackageCache } from './package-cache.ts';
import pMap from 'p-map';
import { runDebReadTasks, type DebReadOutcome, type DebReadTask } from './read-deb-task.ts';
import { readBatches, type ReadProgress } from './read-repo.ts';
import { useThreads, type PackageReader } from './reader-pool.ts';

/** Options of readDebRepo: reader threads, changelog entries kept per package, incremental cache, progress. */
export interface ReadDebRepoOptions {
  reader?: PackageReader; changelogLimit?: number; cache?: PackageCache<DebPackage>; progress?: ReadProgress;
}

/**
 * Reads the `.deb` files `debs` (paths relative to `repoDir`); returns one outcome per file, in
 * the order given. A file that cannot be stat'ed is an `fs` outcome.
 */
export async function readDebRepo(repoDir: string, debs: string[], o: ReadDebRepoOptions = {}):
  Promise<{ rel: string; outcome: DebReadOutcome }[]> {
  const out: { rel: string; outcome: DebReadOutcome }[] = [];
  const pending: { i: number; st: Stats; task: DebReadTask }[] = [];
  const limit = o.changelogLimit !== undefined ? { changelogLimit: o.changelogLimit } : {};
  for (const [i, rel] of debs.entries()) {
    const file = join(repoDir, rel);
    try {
      // (synchronous stat: a thread-pool round trip per file costs more than the call itself)
      const st = statSync(file);
      const cached = o.cache?.get(rel, st);
      if (cached) {
        out[i] = { rel, outcome: { ok: true, deb: cached } };
        o.progress?.onFile?.();
      } else {
        pending.push({ i, st, task: { file, ...limit } });
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      out[i] = { rel, outcome: { ok: false, kind: 'fs', code: e.code ?? 'EIO', message: e.message } };
      o.progress?.onFile?.();
    }
  }
  const pool = o.reader && useThreads(o.reader, pending.length, pending.reduce((n, p) => n + p.st.size, 0))
    ? o.reader : undefined;
  const read = pool ? (tasks: DebReadTask[]) => pool.readDebs(tasks) : runDebReadTasks;
  await pMap(readBatches(pending), async (batch) => {
    const outcomes = await read(batch.map((p) => p.task));
    for (const [k, p] of batch.entries()) {
      const outcome = outcomes[k]!;
      out[p.i] = { rel: debs[p.i]!, outcome };
      if (outcome.ok) o.cache?.set(debs[p.i]!, p.st, outcome.deb);
      o.progress?.onBytes?.(p.st.size);
      o.progress?.onFile?.();
    }
  }, { concurrency: pool ? 4 * pool.workers : 1 }); // batches queued ahead, so no thread waits for this one
  return out;
}
