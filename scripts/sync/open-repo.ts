/**
 * Opens one repo for a sync run: its connection pool (TLS files read), then, for a real run,
 * a check that the repo path is a real directory and the repo's lock, then its plan. Each
 * failure is reported and gives a failed summary instead; nothing is left open.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostics } from '../errors/catalogue.ts';
import type { SyncConfig, SyncRepo } from '../config/config-schema.ts';
import { Transfer } from './transfer.ts';
import { planRepo } from './plan-repo.ts';
import { planAptRepo } from './plan-apt-repo.ts';
import { LockHeldError, takeLock } from '../dir-lock.ts';
import { SYNC_DIR } from './sync-state.ts';
import type { LockedRepo } from './sync-lockfile.ts';
import type { ClosurePlanner } from './closure-planner.ts';
import { failedSummary, plannedSummary, type LiveRepo, type RepoSummary } from './live-repo.ts';

/** What opening needs: mirror root, transfer settings, problems sink, dry run, --delete, the run's closure. */
export interface OpenContext {
  mirrorDir: string; config: SyncConfig; diags: Diagnostics; dryRun: boolean; delete: boolean; closure?: ClosurePlanner;
}

/** Opens `repo` (see the module comment); `locked` is its lockfile entry when replaying. */
export async function openRepo(repo: SyncRepo, ctx: OpenContext, locked?: LockedRepo): Promise<LiveRepo | RepoSummary> {
  const { diags } = ctx;
  const path = locked?.path ?? repo.path ?? repo.id;
  const dir = join(ctx.mirrorDir, path);
  let transfer: Transfer;
  try {
    transfer = await Transfer.create({ perHost: ctx.config.perHost, timeoutSeconds: ctx.config.timeout,
      retries: ctx.config.retries, tls: repo });
  } catch (err) {
    diags.report('sync-tls-file', repo.baseurl, (err as Error).message);
    return failedSummary(repo, path);
  }
  let release: (() => Promise<void>) | undefined;
  const fail = async () => {
    await release?.();
    await transfer.close();
    return failedSummary(repo, path);
  };
  if (!ctx.dryRun) {
    if (await lstat(dir).then((s) => s.isSymbolicLink(), () => false)) {
      diags.report('sync-disk-error', dir, 'the repo path is a symbolic link; sync writes only into real directories');
      return fail();
    }
    const lock = join(dir, SYNC_DIR, 'lock');
    try {
      release = await takeLock(lock, (why) => diags.report('sync-lock-lost', dir, lock, why));
    } catch (err) {
      if (err instanceof LockHeldError) diags.report('sync-busy', dir, lock);
      else diags.report('sync-disk-error', dir, (err as Error).message);
      return fail();
    }
  }
  const plan = await (repo.type === 'deb' ? planAptRepo : planRepo)(repo, transfer, ctx, locked);
  if (!plan) return fail();
  return { plan, transfer, ...(release ? { release } : {}), summary: plannedSummary(plan), failed: new Set() };
}
