/**
 * One sync at a time per repo: a lock in `<repo>/.airgap-mirror-sync/lock` (proper-lockfile:
 * an atomic mkdir whose mtime the holder refreshes every 2 s). A lock left by a killed run
 * goes stale after 10 s and is taken over; a live one makes the other run give up that repo.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { SYNC_DIR } from './sync-state.ts';

/** Path of a repo's lock. */
export const lockPathOf = (repoDir: string) => join(repoDir, SYNC_DIR, 'lock');

/**
 * Takes the lock of `repoDir` (creating the directory), waiting up to about 12 s for a stale
 * one to expire. Resolves to the release function; rejects with code ELOCKED while another
 * run holds it.
 */
export async function lockRepo(repoDir: string): Promise<() => Promise<void>> {
  await mkdir(join(repoDir, SYNC_DIR), { recursive: true });
  return lockfile.lock(repoDir, {
    lockfilePath: lockPathOf(repoDir), realpath: false, stale: 10_000, update: 2_000,
    retries: { retries: 12, minTimeout: 1_000, maxTimeout: 1_000, factor: 1 },
    onCompromised: () => {}, // the run goes on; files are still verified before they are placed
  });
}
