/**
 * What sync records inside each repo it owns, in `<repo>/.airgap-mirror-sync/state.json`
 * (a dot directory, so neither repo discovery nor the site ever takes it): the upstream
 * repomd.xml it mirrored (sha256), the selection, whether the repo is a subset of upstream
 * (then `build` regenerates repodata instead of serving upstream's, and keeps only the
 * module streams whose packages are present), and each package taken with its size and
 * mtime, so a rerun knows a file is complete without hashing it again.
 */
import { readFile } from 'node:fs/promises';
import { replaceFile } from '../replace-file.ts';
import { join } from 'node:path';
import { z } from 'zod';

/** The directory sync keeps its state, lock and incoming files in, inside a repo. */
export const SYNC_DIR = '.airgap-mirror-sync';

/** In SYNC_DIR of an apt repo: the armored keys its Release files were checked with (build's Signed-By for them). */
export const SIGNED_BY_FILE = 'signed-by.asc';

const StateSchema = z.object({
  format: z.literal(1),
  id: z.string(),
  baseurl: z.string(),
  /** sha256 of the upstream repomd.xml bytes last mirrored. */
  repomdSha256: z.string(),
  /** Key of the selection (config) that chose the packages. */
  selection: z.string(),
  subset: z.boolean(),
  /** Why the repo is a subset (selection steps), shown by sync and build. */
  reasons: z.array(z.string()),
  /** False when some file failed: the next run plans again even if upstream is unchanged. */
  complete: z.boolean(),
  /** Epoch seconds of the sync. */
  syncedAt: z.number(),
  packages: z.array(z.object({
    path: z.string(), size: z.number(), mtimeMs: z.number(), checksumType: z.string(), checksum: z.string(),
  })),
});

/** The state of one synced repo. */
export type SyncState = z.infer<typeof StateSchema>;

/** Reads a repo's sync state; undefined when there is none or it is unreadable (the repo is then planned afresh). */
export async function readSyncState(repoDir: string): Promise<SyncState | undefined> {
  const text = await readFile(join(repoDir, SYNC_DIR, 'state.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const r = StateSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the state atomically (temp file, then rename); on failure the temp file is removed and the error thrown. */
export async function writeSyncState(repoDir: string, state: SyncState): Promise<void> {
  await replaceFile(join(repoDir, SYNC_DIR, 'state.json'), JSON.stringify(state, null, 1) + '\n');
}
