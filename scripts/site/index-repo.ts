/**
 * Indexes one repo into the staging site: reads its RPMs, places them (hard link or copy)
 * and its key files, carries upstream extra metadata, writes repodata/.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Diagnostics } from '../errors/catalogue.ts';
import type { RepoInput } from '../scan/find-repos.ts';
import { readRepo, type ReadProgress } from '../scan/read-repo.ts';
import type { PackageRecord } from '../rpm/package-record.ts';
import { writeRepodata } from '../repodata/write-repodata.ts';
import { carryUpstreamMetadata, readUpstreamRepomd } from '../repodata/upstream-metadata.ts';
import type { RepomdRecord } from '../repodata/repomd-xml.ts';
import { placeFile } from './link-packages.ts';

/** OpenPGP key files a repo may carry beside its packages. */
export const KEY_FILE = /(\.pub|\.asc|^RPM-GPG-KEY-.*)$/;

/** What indexing one repo produced. `revision` in epoch seconds. */
export interface IndexedRepo {
  packages: PackageRecord[];
  repomd: RepomdRecord[];
  revision: number;
  keyFiles: string[];
  /** Site paths written for this repo (packages, keys, repodata), '/'-separated. */
  sitePaths: string[];
  linked: number;
  copied: number;
}

/** Indexes `repo` of `mirrorDir` into `staging`. Per-file problems go to `diags`. */
export async function indexRepo(mirrorDir: string, staging: string, repo: RepoInput, diags: Diagnostics, progress: ReadProgress, changelogLimit?: number): Promise<IndexedRepo> {
  const repoIn = join(mirrorDir, repo.path);
  const repoOut = join(staging, repo.path);
  const out: IndexedRepo = { packages: [], repomd: [], revision: 0, keyFiles: [], sitePaths: [], linked: 0, copied: 0 };
  out.packages = await readRepo(mirrorDir, repo, diags, progress, changelogLimit);
  if (!out.packages.length) diags.report('repo-empty', repo.path || '.');
  const place = async (rel: string) => {
    (await placeFile(join(repoIn, rel), join(repoOut, rel))) === 'link' ? out.linked++ : out.copied++;
    out.sitePaths.push(posix.join(repo.path, rel));
  };
  for (const p of out.packages) await place(p.locationHref);
  out.keyFiles = (await readdir(repoIn, { withFileTypes: true })).filter((e) => e.isFile() && KEY_FILE.test(e.name)).map((e) => e.name).sort();
  for (const k of out.keyFiles) await place(k);

  out.revision = Math.max(0, ...out.packages.map((p) => p.timeFile));
  let extras: RepomdRecord[] = [];
  if (repo.hasUpstreamRepodata) {
    try {
      const upstream = await readUpstreamRepomd(repoIn);
      if (upstream.revision && /^\d+$/.test(upstream.revision)) out.revision = Math.max(out.revision, Number(upstream.revision));
      const dir = join(repoOut, 'repodata');
      await mkdir(dir, { recursive: true });
      const carried = await carryUpstreamMetadata(repoIn, dir, upstream.extras, out.revision);
      for (const pr of carried.problems) diags.report('upstream-metadata-bad', posix.join(repo.path, 'repodata', posix.basename(pr.file)), pr.type, pr.reason);
      extras = carried.records;
    } catch (err) {
      diags.report('upstream-repomd-bad', posix.join(repo.path, 'repodata/repomd.xml'), (err as Error).message);
    }
  }
  out.repomd = await writeRepodata({ repoOutDir: repoOut, packages: out.packages, revision: out.revision, extras });
  out.sitePaths.push(...out.repomd.map((m) => posix.join(repo.path, m.href)), posix.join(repo.path, 'repodata/repomd.xml'));
  return out;
}
