/**
 * Upstream apt suites kept verbatim: a suite a sync took whole (`dists/<suite>/` with its
 * `InRelease`, `Release`, `Release.gpg` and the indices they list) is served as upstream signed it
 * only when it describes exactly the files on disk, as `--repodata auto` does for rpm-md: every
 * index file present matches the size and SHA256 its Release gives, and every package its Packages
 * indices list is in the mirror with that SHA256. Such a suite's files are published unchanged
 * (apt checks the upstream signature with the upstream key); any other is left out with the reason.
 * by-hash copies are listed for the indices present when the Release says `Acquire-By-Hash: yes`.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AptPackage } from './apt-index.ts';
import { parsePackagesIndex, unpackIndex } from './packages-index.ts';
import {
  byHashPath, inReleaseText, parseRelease, RELEASE_FILES, type AptRelease, type ReleaseEntry,
} from './release.ts';

/** A suite served verbatim: name, components and architectures it indexes, files to publish, by-hash copies. */
export interface KeptSuite {
  suite: string; components: string[]; arches: string[];
  /** Repo-relative paths of the Release files and the indices present. */
  files: string[];
  /** by-hash path → the repo-relative index file it copies. */
  byHash: { path: string; of: string }[];
}

/** A suite left out: its name and why. */
export interface RefusedSuite { suite: string; why: string }

const INDEX = /^(?:(.+)\/)?binary-([^/]+)\/Packages(\.gz|\.xz)?$/;

/** The Release text of a suite directory's Release files (InRelease's signed text, else Release). */
async function releaseText(dir: string, names: string[]): Promise<string> {
  if (names.includes('InRelease')) return inReleaseText(await readFile(join(dir, 'InRelease')));
  return readFile(join(dir, 'Release'), 'utf8');
}

/** Why the index files of `release` present under `dist` do not describe `packages` (or undefined when they do). */
async function mismatch(repoDir: string, dist: string, present: ReleaseEntry[], byFilename: Map<string, AptPackage>):
  Promise<string | undefined> {
  const read = new Set<string>();
  for (const e of present) {
    const data = await readFile(join(repoDir, dist, e.path));
    const hash = createHash(e.hashType).update(data).digest('hex');
    if (data.length !== e.size || hash !== e.hash) return `${dist}${e.path} differs from what its Release lists`;
    const m = INDEX.exec(e.path);
    if (!m) continue;
    const key = `${m[1] ?? ''}/${m[2]}`;
    if (read.has(key)) continue; // one variant of each index is enough: the Release ties them together
    read.add(key);
    for (const p of parsePackagesIndex((await unpackIndex(e.path, data)).toString('utf8')).entries) {
      const have = byFilename.get(p.filename);
      if (!have) return `${dist}${e.path} lists ${p.filename}, which the mirror does not hold`;
      if (have.deb.sha256 !== p.sha256) {
        return `${dist}${e.path} lists ${p.filename} with other bytes than the mirror's`;
      }
    }
  }
  return read.size ? undefined : 'none of the Packages indices its Release lists is in the mirror';
}

/**
 * The upstream suites under `repoDir/dists/` (see the module comment). `packages` are the repo's
 * packages as read; `refuse(rel)` says why a repo-relative path may not be published (a link out
 * of the mirror, not a regular file), or undefined. Never throws for bad content: a suite that
 * cannot be read is refused with the reason.
 */
export async function upstreamSuites(repoDir: string, packages: AptPackage[],
  refuse: (rel: string) => string | undefined): Promise<{ kept: KeptSuite[]; refused: RefusedSuite[] }> {
  const kept: KeptSuite[] = [], refused: RefusedSuite[] = [];
  let suites: string[];
  try {
    suites = readdirSync(join(repoDir, 'dists'), { withFileTypes: true }).filter((d) => d.isDirectory())
      .map((d) => d.name).sort();
  } catch {
    return { kept, refused };
  }
  const byFilename = new Map(packages.map((p) => [p.filename, p]));
  const isFile = (rel: string) => !refuse(rel) && !!lstatSync(join(repoDir, rel), { throwIfNoEntry: false })?.isFile();
  for (const suite of suites) {
    const dist = `dists/${suite}/`;
    const names = RELEASE_FILES.filter((n) => isFile(`${dist}${n}`));
    if (!names.includes('InRelease') && !names.includes('Release')) continue;
    let release: AptRelease;
    try {
      release = parseRelease(await releaseText(join(repoDir, dist), names));
    } catch (err) {
      refused.push({ suite, why: `its Release cannot be read (${(err as Error).message})` });
      continue;
    }
    const present = [...release.entries.values()]
      .filter((e) => !e.path.includes('/by-hash/') && !RELEASE_FILES.includes(e.path) && isFile(`${dist}${e.path}`));
    const why = await mismatch(repoDir, dist, present, byFilename)
      .catch((err: Error) => `unreadable index (${err.message})`);
    if (why) {
      refused.push({ suite, why });
      continue;
    }
    const indices = present.map((e) => INDEX.exec(e.path)).filter((m): m is RegExpExecArray => !!m);
    kept.push({
      suite, components: [...new Set(indices.map((m) => m[1]).filter((c): c is string => !!c))].sort(),
      arches: [...new Set(indices.map((m) => m[2]!).filter((a) => a !== 'all'))].sort(),
      files: [...names.map((n) => `${dist}${n}`), ...present.map((e) => `${dist}${e.path}`)],
      byHash: release.acquireByHash ? present.filter((e) => INDEX.test(e.path))
        .map((e) => ({ path: `${dist}${byHashPath(e)}`, of: `${dist}${e.path}` })) : [],
    });
  }
  return { kept, refused };
}
