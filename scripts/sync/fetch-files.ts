/**
 * The transfer phase of a sync run: every package to fetch and every upstream metadata file
 * not yet local, across all repos at once, `jobs` in flight. Packages go to their final path
 * (through `.part`, see transfer.ts) after a check that their directory does not lead out of
 * the repo through a link; metadata goes to the repo's incoming directory until the commit.
 */
import { packageSignatureCheck } from './upstream-trust.ts';
import { mkdir, realpath } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import pMap from 'p-map';
import type { Diagnostics } from '../errors/catalogue.ts';
import { fileMatches } from './transfer.ts';
import type { PlannedFile } from './plan-repo.ts';
import { incomingPath } from './commit-repodata.ts';
import { reportTransfer } from './transfer-diagnostics.ts';
import type { LiveRepo, SyncEvents } from './live-repo.ts';

/** Creates the parent of `rel` inside `repoDir` and checks it resolves inside the repo (no link out). */
async function safeParent(repoDir: string, rel: string, checked: Map<string, boolean>): Promise<boolean> {
  const parent = dirname(join(repoDir, rel));
  const hit = checked.get(parent);
  if (hit !== undefined) return hit;
  await mkdir(parent, { recursive: true });
  const [real, root] = await Promise.all([realpath(parent), realpath(repoDir)]);
  const ok = real === root || real.startsWith(root + sep);
  checked.set(parent, ok);
  return ok;
}

/** One file to fetch: its repo, the file, and whether it is upstream metadata. */
interface Task { l: LiveRepo; f: PlannedFile; metadata: boolean }

/** The files of the repos that are not up to date (metadata only where a commit will follow). */
function tasksOf(live: LiveRepo[]): Task[] {
  const work = live.filter((l) => !l.plan.upToDate);
  return [
    ...work.flatMap((l) => l.plan.fetch.map((f) => ({ l, f, metadata: false }))),
    ...work.filter((l) => !l.plan.lockStale).flatMap((l) => l.plan.metadata.filter((m) => !m.present).map((m) => ({
      l, metadata: true,
      f: { path: m.path, url: m.url, nevra: '', expect: { size: m.entry.size, checksumType: m.entry.checksumType,
        checksum: m.entry.checksum } },
    }))),
  ];
}

/** Fetches what `live` needs; failures are reported, counted in each summary and recorded in `failed`. */
export async function fetchFiles(live: LiveRepo[], jobs: number, diags: Diagnostics, ev: SyncEvents): Promise<void> {
  const tasks = tasksOf(live);
  ev.start?.(tasks.length, tasks.reduce((n, t) => n + (t.f.expect.size ?? 0), 0));
  const parents = new Map<string, boolean>();
  // gpgcheck=1: each package's signature is checked before it is renamed into place
  const checks = new Map(live.filter((l) => l.plan.keys).map((l) => [l, packageSignatureCheck(l.plan.keys!.loaded)]));
  await pMap(tasks, async ({ l, f, metadata }) => {
    const fail = () => { l.failed.add(f.path); l.summary.failed++; };
    try {
      let dest = join(l.plan.dir, f.path);
      if (metadata) {
        dest = incomingPath(l.plan.dir, f.path);
        if (await fileMatches(dest, f.expect)) return; // primary.xml, fetched while planning
      } else if (!(await safeParent(l.plan.dir, f.path, parents))) {
        diags.report('sync-unsafe-location', f.url, `${f.path} goes through a symbolic link out of the repo`);
        return fail();
      }
      const check = !metadata && l.plan.repo.gpgcheck && l.plan.keys ? checks.get(l)! : undefined;
      const got = await l.transfer.download(f.url, dest, f.expect, (n) => ev.bytes?.(n), check);
      if (!metadata) l.summary.fetched++;
      l.summary.fetchedBytes += got.bytesFetched;
    } catch (err) {
      reportTransfer(diags, f.url, err);
      fail();
    } finally {
      ev.file?.();
    }
  }, { concurrency: jobs });
}
