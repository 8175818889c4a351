/**
 * The end of a sync run for one repo: place the new upstream repodata when every metadata
 * file arrived (commit-repodata.ts), remove what is no longer selected (`--delete`, each
 * path announced first), and record the state, complete only when nothing failed.
 */
import { lstatSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { replaceFile } from '../replace-file.ts';
import { join } from 'node:path';
import type { Diagnostics } from '../errors/catalogue.ts';
import { commitRepodata, REPOMD_COMPANIONS } from './commit-repodata.ts';
import { commitAptIndices } from './commit-apt-indices.ts';
import { TAKEN_STANZAS } from './plan-apt-repo.ts';
import { SIGNED_BY_FILE, SYNC_DIR, writeSyncState, type SyncState } from './sync-state.ts';
import type { LoadedKeys } from '../trust/mirror-keys.ts';
import { reportTransfer } from './transfer-diagnostics.ts';
import { withSlash } from './location.ts';
import type { LiveRepo, SyncEvents } from './live-repo.ts';

/** Fetches `repomd.xml.key` and `.asc` beside repomd.xml: bytes, or undefined when upstream has none (404). */
async function fetchCompanions(l: LiveRepo, diags: Diagnostics): Promise<Map<string, Buffer | undefined> | undefined> {
  const out = new Map<string, Buffer | undefined>();
  for (const name of REPOMD_COMPANIONS) {
    const url = `${withSlash(l.plan.repo.baseurl)}repodata/${name}`;
    try {
      out.set(name, await l.transfer.fetchIfPresent(url));
    } catch (err) {
      reportTransfer(diags, url, err);
      return undefined;
    }
  }
  return out;
}

/** Places the repodata of `l` if all of it arrived; records a failure otherwise. */
async function commit(l: LiveRepo, diags: Diagnostics): Promise<void> {
  const { plan } = l;
  if (plan.upToDate || plan.lockStale || plan.metadata.some((m) => l.failed.has(m.path))) return;
  if (plan.format === 'deb') {
    try {
      // a subset keeps no upstream index (they describe packages it does not hold): build writes its own,
      // and the Release files of an earlier whole sync go, so nothing offers the old indices as upstream's
      await commitAptIndices(plan.dir, plan.metadata, plan.subset ? [] : plan.releaseFiles ?? []);
      if (plan.subset) for (const f of plan.releaseFiles ?? []) await rm(join(plan.dir, f.path), { force: true });
      if (!plan.subset) {
        if (plan.keys) await writeSignedBy(plan.dir, plan.keys.loaded);
        l.summary.repodata = 'updated';
      }
    } catch (err) {
      diags.report('sync-disk-error', join(plan.dir, 'dists'), (err as Error).message);
      l.failed.add('repodata');
    }
    return;
  }
  const companions = await fetchCompanions(l, diags);
  if (!companions) { l.failed.add('repodata'); return; }
  try {
    await commitRepodata(plan.dir, plan.metadata, plan.repomd, companions);
    l.summary.repodata = 'updated';
  } catch (err) {
    diags.report('sync-disk-error', join(plan.dir, 'repodata'), (err as Error).message);
    l.failed.add('repodata');
  }
}

/** Records the armored keys a whole apt repo's Release files were checked with (build gives them as Signed-By). */
async function writeSignedBy(dir: string, loaded: LoadedKeys): Promise<void> {
  const openpgp = await import('openpgp');
  const packets = Buffer.concat(loaded.handles.map((k) => Buffer.from(k.toPublic().write())));
  await replaceFile(join(dir, SYNC_DIR, SIGNED_BY_FILE), openpgp.armor(openpgp.enums.armor.publicKey, packets));
}

/**
 * Keeps the Packages paragraphs of a deb repo's packages now on disk in the sync directory, so a
 * later run can still offer them to the closure once upstream drops them. Throws the fs error.
 */
async function keepStanzas(l: LiveRepo): Promise<void> {
  const stanzas = l.plan.stanzas?.filter((s) => !l.failed.has(s.path));
  if (!stanzas) return;
  await replaceFile(join(l.plan.dir, SYNC_DIR, TAKEN_STANZAS), stanzas.map((s) => `${s.stanza}\n`).join('\n'));
}

/** The packages of `l` now on disk, with the size and mtime a rerun compares. */
async function packagesOnDisk(l: LiveRepo): Promise<SyncState['packages']> {
  const out: SyncState['packages'] = [];
  for (const f of l.plan.take.filter((x) => !l.failed.has(x.path))) {
    const s = lstatSync(join(l.plan.dir, f.path), { throwIfNoEntry: false });
    if (s?.isFile()) {
      out.push({ path: f.path, size: s.size, mtimeMs: s.mtimeMs, checksumType: f.expect.checksumType,
        checksum: f.expect.checksum });
    }
  }
  return out;
}

/** Finishes `l` (see the module comment) and sets its summary status. */
export async function finishRepo(l: LiveRepo, diags: Diagnostics, ev: SyncEvents): Promise<void> {
  const { plan } = l;
  await commit(l, diags);
  for (const rel of plan.remove) {
    ev.removing?.(plan.path, rel);
    await rm(join(plan.dir, rel), { force: true }).catch((err) => {
      diags.report('sync-disk-error', join(plan.dir, rel), (err as Error).message);
      l.failed.add(rel);
    });
  }
  if (!plan.upToDate || plan.remove.length) {
    await keepStanzas(l).catch((err) => {
      diags.report('sync-disk-error', join(plan.dir, SYNC_DIR, TAKEN_STANZAS), (err as Error).message);
      l.failed.add('state');
    });
    await writeSyncState(plan.dir, {
      format: 1, id: plan.repo.id, baseurl: plan.repo.baseurl, repomdSha256: plan.repomdSha256,
      selection: plan.selectionKey, subset: plan.subset, reasons: plan.reasons,
      complete: l.failed.size === 0 && !plan.lockStale, syncedAt: Math.floor(Date.now() / 1000),
      packages: await packagesOnDisk(l),
    }).catch((err) => {
      diags.report('sync-disk-error', join(plan.dir, SYNC_DIR, 'state.json'), (err as Error).message);
      l.failed.add('state');
    });
  }
  if (!plan.upToDate) l.summary.status = l.failed.size || plan.lockStale ? 'partial' : 'synced';
}
