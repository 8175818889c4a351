/**
 * The package search index, written by us (Pagefind indexes the other pages): static, offline,
 * and bounded in memory whatever the file lists hold. Under `_site/search-index/`:
 * - `p/<shard>.json`: `{ "<page>": [title, summary, name] }`, a page named by its path under
 *   `_site/p/` (`<repo slug>/<name slug>`), or for a `.deb` package's page under `_site/d/` that
 *   path after `:d/` (`:` starts no slug), the shard as for full paths below, so a change to one
 *   package rewrites only the shards it is in (deltas stay small);
 * - `w/<shard>.json`: `[[key, [pages]], ...]` sorted by key, for prefix search over package
 *   names and each word of them, provides, file basenames and summary words (lowercased); the
 *   shard is the key's first two characters, each outside [a-z0-9] written `_`; a shard over
 *   512 KB is split by the next character, again and again (`w/in/c/l.json` for keys `incl…`;
 *   an absent character is `_`), and each split prefix is listed in `w/split.json`;
 * - `f/<shard>.json`: `{ "<full path>": [pages] }` for exact file paths, the shard the low byte
 *   of the path's 32-bit FNV-1a hash in hex (the client computes the same; no `crypto.subtle`,
 *   which plain http does not offer).
 * Keys are collected per shard as (key, page number) pairs, then each shard is grouped, sorted
 * and written on its own. (Spilling the pairs to scratch files as JSON lines, as before, held
 * less memory but took 14 s of a 30,000-package build.)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AptPackage, type PackageRecord, compareDebVersions, compareEvr, parseRelations
} from '../formats/format.ts';
import { debPagePath, PAGE_NAMESPACE, packagePagePath } from '../catalog/page-paths.ts';

/** Directory of the index inside the site. */
export const SEARCH_INDEX_DIR = '_site/search-index';

/** The word shard of a key (same rule as the client in site/components/SearchBox.astro). */
export const wordShard = (key: string) => key.slice(0, 2).replace(/[^a-z0-9]/g, '_').padEnd(2, '_');

/** A word shard larger than this (bytes of JSON) is split by the key's third character. */
const SPLIT_BYTES = 512 << 10;

/** The character of `key` at `i` as a shard name: itself in [a-z0-9], else (or when absent) `_`. */
export const shardChar = (key: string, i: number) => (/^[a-z0-9]$/.test(key[i] ?? '') ? key[i]! : '_');

/** The file of word shard `prefix` under `dir`: the first two characters, then one directory a character. */
const shardFile = (dir: string, prefix: string) => join(dir, [prefix.slice(0, 2), ...prefix.slice(2)].join('/') + '.json');

/**
 * Writes the sorted rows of word shard `prefix`, splitting it by the next character while it is
 * over SPLIT_BYTES (at most 24 characters deep); split prefixes are added to `split`.
 */
function writeWordShard(dir: string, prefix: string, rows: [string, string[]][], split: string[]): void {
  const text = JSON.stringify(rows);
  const at = prefix.length;
  if (text.length <= SPLIT_BYTES || at >= 24 || rows.every((r) => r[0].length <= at)) {
    mkdirSync(join(shardFile(dir, prefix), '..'), { recursive: true });
    writeFileSync(shardFile(dir, prefix), text);
    return;
  }
  split.push(prefix);
  const parts = new Map<string, [string, string[]][]>();
  for (const row of rows) {
    const c = shardChar(row[0], at);
    (parts.get(c) ?? parts.set(c, []).get(c)!).push(row);
  }
  for (const [c, part] of parts) writeWordShard(dir, prefix + c, part, split);
}

/**
 * 32-bit FNV-1a over the UTF-8 bytes of `s` (same as the client). An ASCII string is its own
 * UTF-8, so it is hashed without encoding it (1.5 million paths on a 30,000-package mirror).
 */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return fnv1aBytes(Buffer.from(s, 'utf8'));
    h = Math.imul(h ^ c, 0x01000193) >>> 0;
  }
  return h;
}

function fnv1aBytes(bytes: Buffer): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** The path shard of a full file path. */
export const pathShard = (path: string) => (fnv1a(path) & 0xff).toString(16).padStart(2, '0');

/**
 * The `[key, page number]` pairs of one shard, as two arrays (16 bytes a pair; a path key is the
 * record's own string, not a copy). Grouping waits until the shard is written, one at a time.
 */
class ShardPairs {
  readonly keys: string[] = [];
  readonly pages: number[] = [];

  /** The pages of each key, in the order the keys came, a page once per key. */
  grouped(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (let i = 0; i < this.keys.length; i++) {
      const list = out.get(this.keys[i]!);
      const page = this.pages[i]!;
      if (!list) out.set(this.keys[i]!, [page]);
      else if (list[list.length - 1] !== page) list.push(page);
    }
    return out;
  }
}

/** Adds a pair to shard `shard` of `shards`. */
function addPair(shards: Map<string, ShardPairs>, shard: string, key: string, page: number): void {
  let pairs = shards.get(shard);
  if (!pairs) shards.set(shard, (pairs = new ShardPairs()));
  pairs.keys.push(key);
  pairs.pages.push(page);
}

/**
 * The keys a package page is found by: its name, each word of its name (letters and digits,
 * whatever stands between them: `-`, `.`, markup), provides, file basenames and summary words.
 */
function wordsOf(name: string, versions: PackageRecord[]): Set<string> {
  return keysOf(name, versions.flatMap((v) => v.deps.provides.map((d) => d.name).filter((n) => !n.startsWith('('))),
    versions.flatMap((v) => v.files.map((f) => f.path)), versions.map((v) => v.summary));
}

/** The keys of a page of package `name` with these provides, file paths and summaries (see wordsOf). */
function keysOf(name: string, provides: string[], paths: string[], summaries: string[]): Set<string> {
  const lower = name.toLowerCase();
  const out = new Set<string>([lower]);
  for (const w of lower.split(/[^\p{L}\p{N}]+/u)) if (w.length >= 2) out.add(w);
  for (const p of provides) if (p) out.add(p.toLowerCase());
  for (const path of paths) {
    const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
    if (base) out.add(base);
  }
  for (const s of summaries) {
    for (const w of s.toLowerCase().split(/[^\p{L}\p{N}_+.-]+/u)) if (w.length >= 3) out.add(w);
  }
  return out;
}

/**
 * Writes the index for `repos` into `<siteDir>/_site/search-index/`. Returns the page and key
 * counts. Memory: the word strings (file basenames lowercased, about 40 bytes each) and 16 bytes
 * per key and page pair, about 130 MB for the 1.7 million files of 30,000 realistic packages,
 * plus one shard grouped at a time. Throws the fs error of a write.
 */
export function writePackageSearchIndex(siteDir: string, repos: { repoId: string; packages: PackageRecord[] }[],
  aptRepos: { repoId: string; packages: AptPackage[] }[] = []): { pages: number; words: number; paths: number } {
  const out = join(siteDir, SEARCH_INDEX_DIR);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'w'), { recursive: true });
  mkdirSync(join(out, 'f'), { recursive: true });
  mkdirSync(join(out, 'p'), { recursive: true });
  const words = new Map<string, ShardPairs>(), paths = new Map<string, ShardPairs>();
  const pages = new Map<string, Record<string, [string, string, string]>>();
  const ids: string[] = [];
  for (const r of repos) {
    const byName = new Map<string, PackageRecord[]>();
    for (const p of r.packages) (byName.get(p.name) ?? byName.set(p.name, []).get(p.name)!).push(p);
    for (const [name, versions] of byName) {
      const id = packagePagePath(r.repoId, name).slice(`${PAGE_NAMESPACE}/p/`.length, -1);
      const page = ids.push(id) - 1;
      const newest = [...versions].sort((a, b) => compareEvr(b, a))[0]!;
      const ps = pathShard(id);
      (pages.get(ps) ?? pages.set(ps, {}).get(ps)!)[id] = [`${name} (${r.repoId})`, newest.summary, name];
      for (const w of wordsOf(name, versions)) addPair(words, wordShard(w), w, page);
      for (const v of versions) for (const f of v.files) addPair(paths, pathShard(f.path), f.path, page);
    }
  }
  for (const r of aptRepos) {
    const byName = new Map<string, AptPackage[]>();
    for (const p of r.packages) {
      const name = p.deb.control.Package!;
      (byName.get(name) ?? byName.set(name, []).get(name)!).push(p);
    }
    for (const [name, versions] of byName) {
      const id = `:d/${debPagePath(r.repoId, name).slice(`${PAGE_NAMESPACE}/d/`.length, -1)}`;
      const page = ids.push(id) - 1;
      const newest = [...versions]
        .sort((a, b) => compareDebVersions(b.deb.control.Version!, a.deb.control.Version!))[0]!;
      const summary = (newest.deb.control.Description ?? '').split('\n')[0]!;
      const ps = pathShard(id);
      (pages.get(ps) ?? pages.set(ps, {}).get(ps)!)[id] = [`${name} (${r.repoId})`, summary, name];
      const provides = versions.flatMap((v) => parseRelations(v.deb.control.Provides).map(([alt]) => alt?.name ?? ''));
      const files = versions.flatMap((v) => v.deb.files.filter((f) => !f.endsWith('/')));
      for (const w of keysOf(name, provides, files, [summary])) addPair(words, wordShard(w), w, page);
      for (const f of new Set(files)) addPair(paths, pathShard(f), f, page);
    }
  }
  const pageIds = (list: number[]) => list.map((i) => ids[i]!);
  const idJson = ids.map((id) => JSON.stringify(id));
  let wordCount = 0, pathCount = 0;
  const split: string[] = [];
  for (const shard of [...words.keys()].sort()) {
    const sorted = [...words.get(shard)!.grouped()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, list]): [string, string[]] => [key, pageIds(list)]);
    words.delete(shard);
    wordCount += sorted.length;
    writeWordShard(join(out, 'w'), shard, sorted, split);
  }
  writeFileSync(join(out, 'w', 'split.json'), JSON.stringify(split));
  for (const shard of [...paths.keys()].sort()) {
    const keys = paths.get(shard)!.grouped();
    paths.delete(shard);
    pathCount += keys.size;
    // the JSON object written as text: an object with thousands of path keys is slow to build
    const members: string[] = [];
    for (const [key, list] of keys) members.push(`${JSON.stringify(key)}:[${list.map((i) => idJson[i]).join(',')}]`);
    writeFileSync(join(out, 'f', `${shard}.json`), `{${members.join(',')}}`);
  }
  for (const [shard, map] of pages) writeFileSync(join(out, 'p', `${shard}.json`), JSON.stringify(map));
  return { pages: ids.length, words: wordCount, paths: pathCount };
}
