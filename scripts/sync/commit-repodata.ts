/**
 * Puts a repo's new upstream repodata in place, byte for byte: every file repomd.xml lists
 * (verified when it was fetched into `.airgap-mirror-sync/incoming/`) is renamed into its
 * location, then `repomd.xml.key` and `repomd.xml.asc` (a local signature no longer
 * published upstream is removed, since it cannot match the new repomd.xml), then
 * repomd.xml itself last, written to a temp name and renamed: until that rename, the old
 * repomd.xml and the files it names are what a reader sees. Files in `repodata/` that the
 * new repomd.xml does not name are removed afterwards.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { PlannedMetadata } from './plan-repo.ts';
import { SYNC_DIR } from './sync-state.ts';

/** Detached signature and key files published beside repomd.xml (CUDA's repos carry both). */
export const REPOMD_COMPANIONS = ['repomd.xml.key', 'repomd.xml.asc'] as const;

/** The incoming (verified, not yet placed) copy of the metadata file at `path` inside the repo. */
export const incomingPath = (repoDir: string, path: string) => join(repoDir, SYNC_DIR, 'incoming', path);

/**
 * Places the fetched repodata of `repoDir`. `companions` maps a companion file name to its
 * bytes, or to undefined when upstream has none. Throws on a file system error (the old
 * repomd.xml then still stands, unless the failure was in its own rename).
 */
export async function commitRepodata(repoDir: string, metadata: PlannedMetadata[], repomd: Buffer,
  companions: Map<string, Buffer | undefined>): Promise<void> {
  const repodata = join(repoDir, 'repodata');
  await mkdir(repodata, { recursive: true });
  for (const m of metadata.filter((x) => !x.present)) {
    await mkdir(dirname(join(repoDir, m.path)), { recursive: true });
    await rename(incomingPath(repoDir, m.path), join(repoDir, m.path));
  }
  const put = async (name: string, data: Buffer) => {
    await writeFile(join(repodata, `.${name}.tmp`), data);
    await rename(join(repodata, `.${name}.tmp`), join(repodata, name));
  };
  for (const name of REPOMD_COMPANIONS) {
    const data = companions.get(name);
    if (data) await put(name, data);
    else await rm(join(repodata, name), { force: true });
  }
  await put('repomd.xml', repomd);
  const named = new Set(['repomd.xml', ...REPOMD_COMPANIONS, ...metadata.map((m) => m.path)
    .filter((p) => dirname(p) === 'repodata').map((p) => basename(p))]);
  for (const e of await readdir(repodata, { withFileTypes: true })) {
    if (e.isFile() && !named.has(e.name)) await rm(join(repodata, e.name), { force: true });
  }
  await rm(join(repoDir, SYNC_DIR, 'incoming'), { recursive: true, force: true });
}
