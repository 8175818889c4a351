/**
 * Index files of the live site kept one generation more in the new one. A client that read the
 * live `repomd.xml` (dnf) or `InRelease` (apt) just before the switch next asks for the files that
 * index names: gone, they would answer 404, and for apt, whose by-hash request falls back to the
 * plain name, a hash mismatch. So a rebuild places (hard-links) into the new site, when it lacks
 * them, the files the live `repomd.xml` lists (`repodata/<checksum>-primary.xml.gz`…, what
 * createrepo_c's `--retain-old-md 1` keeps) and the by-hash copies of the indices the live
 * `Release` lists (what Debian's archive keeps for the same reason). Only what the live index
 * names is carried, so no file outlives the next build. A live site that cannot be read
 * carries nothing; nothing here throws for it.
 */
import { existsSync, lstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { byHashPath, parseRelease, readUpstreamRepomd } from '../formats/format.ts';
import { unsafeRelativePath } from '../inside-root.ts';
import type { FilePlacer } from './link-packages.ts';

/** Places each of `rels` (repo-relative) that is a regular file under `liveRepo` and absent under `repoOut`. */
function placeMissing(liveRepo: string, repoOut: string, rels: string[], placer: FilePlacer): string[] {
  const carried: string[] = [];
  for (const rel of new Set(rels)) {
    const from = join(liveRepo, rel), to = join(repoOut, rel);
    if (existsSync(to) || !lstatSync(from, { throwIfNoEntry: false })?.isFile()) continue;
    placer.place(from, to, { regular: true });
    carried.push(rel);
  }
  return carried;
}

/**
 * The live RPM repo's metadata files (those its `repodata/repomd.xml` lists) placed into `repoOut`
 * where missing; returns their paths relative to the repo.
 */
export async function carryRepodata(liveRepo: string, repoOut: string, placer: FilePlacer): Promise<string[]> {
  const live = await readUpstreamRepomd(liveRepo).catch(() => undefined);
  const rels = (live?.all ?? []).map((d) => d.href)
    .filter((href) => href.startsWith('repodata/') && !unsafeRelativePath(href) && !href.slice(9).includes('/'));
  return placeMissing(liveRepo, repoOut, rels, placer);
}

/**
 * The by-hash copies of the indices the live apt repo's `<dist>Release` lists (`dist`:
 * `dists/stable/`), placed into `repoOut` where missing; returns their paths relative to the repo.
 */
export async function carryByHash(liveRepo: string, repoOut: string, dist: string, placer: FilePlacer):
  Promise<string[]> {
  const text = await readFile(join(liveRepo, dist, 'Release'), 'utf8').catch(() => undefined);
  let entries: ReturnType<typeof parseRelease>['entries'] | undefined;
  try {
    entries = text === undefined ? undefined : parseRelease(text).entries;
  } catch {
    entries = undefined; // a Release we cannot read names nothing to keep
  }
  const rels = [...(entries?.values() ?? [])].map((e) => posix.join(dist, byHashPath(e)))
    .filter((rel) => !unsafeRelativePath(rel));
  return placeMissing(liveRepo, repoOut, rels, placer);
}
