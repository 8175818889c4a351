/**
 * Puts an apt repository's new upstream indices in place, byte for byte, in the order apt can
 * always read: every index file the suites' Release files list (verified when it was fetched into
 * `.airgap-mirror-sync/incoming/`) is renamed into its place first, then each suite's
 * `Release.gpg`, `Release` and last `InRelease`, each written to a temp name and renamed; until
 * those renames the old Release files and the indices they name are what apt sees. A Release
 * file upstream no longer publishes for a suite is removed (it could not match the new indices).
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { replaceFile } from '../replace-file.ts';
import { basename, dirname, join } from 'node:path';
import type { PlannedMetadata } from './plan-repo.ts';
import { SYNC_DIR } from './sync-state.ts';
import { incomingPath } from './commit-repodata.ts';
import { RELEASE_FILES } from '../formats/format.ts';


/**
 * Places the fetched indices of `repoDir` (see the module comment). `releaseFiles` are the
 * suites' Release files with their paths inside the repo. Throws on a file system error.
 */
export async function commitAptIndices(repoDir: string, metadata: PlannedMetadata[],
  releaseFiles: { path: string; data: Buffer }[]): Promise<void> {
  for (const m of metadata.filter((x) => !x.present)) {
    await mkdir(dirname(join(repoDir, m.path)), { recursive: true });
    await rename(incomingPath(repoDir, m.path), join(repoDir, m.path));
  }
  const ordered = [...releaseFiles].sort((a, b) =>
    RELEASE_FILES.indexOf(basename(a.path)) - RELEASE_FILES.indexOf(basename(b.path)));
  for (const f of ordered) {
    await replaceFile(join(repoDir, f.path), f.data);
  }
  const dists = new Set(releaseFiles.map((f) => dirname(f.path)));
  const published = new Set(releaseFiles.map((f) => f.path));
  for (const d of dists) {
    for (const name of RELEASE_FILES) {
      const rel = d === '.' ? name : `${d}/${name}`;
      if (!published.has(rel)) await rm(join(repoDir, rel), { force: true });
    }
  }
  await rm(join(repoDir, SYNC_DIR, 'incoming'), { recursive: true, force: true });
}
