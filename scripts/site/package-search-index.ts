/**
 * The package search index, written by us (Pagefind indexes the other pages): static, offline,
 * and bounded in memory whatever the file lists hold. Under `_site/search-index/`:
 * - `p/<shard>.json`: `{ "<page>": [title, summary, name] }`, a page named by its path under
 *   `_site/p/` (`<repo slug>/<name slug>`), the shard as for full paths below, so a change to one
 *   package rewrites only the shards it is in (deltas stay small);
 * - `w/<shard>.json`: `[[key, [pages]], ...]` sorted by key, for prefix search over package
 *   names, provides, file basenames and summary words (lowercased); the shard is the key's first
 *   two characters, each outside [a-z0-9] written `_`; a shard over 512 KB is split by the next
 *   character, again and again (`w/in/c/l.json` for keys `incl…`; an absent character is `_`),
 *   and each split prefix is listed in `w/split.json`;
 * - `f/<shard>.json`: `{ "<full path>": [pages] }` for exact file paths, the shard the low byte
 *   of the path's 32-bit FNV-1a hash in hex (the client computes the same; no `crypto.subtle`,
 *   which plain http does not offer).
 * Keys are spilled to one scratch file per shard as they are made, then each shard is sorted
 * and written on its own: peak memory is the largest shard, not the whole mirror.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageRecord } from '../rpm/package-record.ts';
import { compareEvr } from '../rpm/evr.ts';
import { PAGE_NAMESPACE, packagePagePath } from '../catalog/page-paths.ts';

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

const SPILL_BYTES = 32 << 20;

/** Buffers `[key, page]` JSON lines per shard (a key may hold a tab or newline) and appends them to scratch files. */
class Spill {
  private readonly buffers = new Map<string, string[]>();
  private bytes = 0;
  private readonly dir: string;
  constructor(dir: string) { this.dir = dir; mkdirSync(dir, { recursive: true }); }

  add(shard: string, key: string, page: string): void {
    const line = JSON.stringify([key, page]);
    const b = this.buffers.get(shard);
    if (b) b.push(line);
    else this.buffers.set(shard, [line]);
    this.bytes += line.length + 1;
    if (this.bytes > SPILL_BYTES) this.flush();
  }

  flush(): void {
    for (const [shard, lines] of this.buffers) appendFileSync(join(this.dir, shard), `${lines.join('\n')}\n`);
    this.buffers.clear();
    this.bytes = 0;
  }

  /** Every shard's lines grouped by key, one shard at a time. */
  *shards(names: Iterable<string>): Generator<[string, Map<string, string[]>]> {
    this.flush();
    for (const shard of names) {
      const keys = new Map<string, string[]>();
      for (const line of readFileSync(join(this.dir, shard), 'utf8').split('\n')) {
        if (!line) continue;
        const [key, page] = JSON.parse(line) as [string, string];
        const list = keys.get(key);
        if (!list) keys.set(key, [page]);
        else if (list[list.length - 1] !== page) list.push(page);
      }
      yield [shard, keys];
    }
  }
}

/** The keys a package page is found by: its name, provides, file basenames and summary words. */
function wordsOf(name: string, versions: PackageRecord[]): Set<string> {
  const out = new Set<string>([name.toLowerCase()]);
  for (const v of versions) {
    for (const d of v.deps.provides) if (!d.name.startsWith('(')) out.add(d.name.toLowerCase());
    for (const f of v.files) {
      const base = f.path.slice(f.path.lastIndexOf('/') + 1).toLowerCase();
      if (base) out.add(base);
    }
    for (const w of v.summary.toLowerCase().split(/[^\p{L}\p{N}_+.-]+/u)) if (w.length >= 3) out.add(w);
  }
  return out;
}

/**
 * Writes the index for `repos` into `<siteDir>/_site/search-index/`, using `scratchDir` for the
 * spill files (removed after). Returns the page and key counts.
 */
export function writePackageSearchIndex(siteDir: string, scratchDir: string,
  repos: { repoId: string; packages: PackageRecord[] }[]): { pages: number; words: number; paths: number } {
  const out = join(siteDir, SEARCH_INDEX_DIR);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'w'), { recursive: true });
  mkdirSync(join(out, 'f'), { recursive: true });
  mkdirSync(join(out, 'p'), { recursive: true });
  const words = new Spill(join(scratchDir, 'w')), paths = new Spill(join(scratchDir, 'f'));
  const wordShards = new Set<string>(), pathShards = new Set<string>();
  const pages = new Map<string, Record<string, [string, string, string]>>();
  let pageCount = 0;
  for (const r of repos) {
    const byName = new Map<string, PackageRecord[]>();
    for (const p of r.packages) (byName.get(p.name) ?? byName.set(p.name, []).get(p.name)!).push(p);
    for (const [name, versions] of byName) {
      const id = packagePagePath(r.repoId, name).slice(`${PAGE_NAMESPACE}/p/`.length, -1);
      const newest = [...versions].sort((a, b) => compareEvr(b, a))[0]!;
      const ps = pathShard(id);
      (pages.get(ps) ?? pages.set(ps, {}).get(ps)!)[id] = [`${name} (${r.repoId})`, newest.summary, name];
      pageCount++;
      for (const w of wordsOf(name, versions)) {
        const s = wordShard(w);
        wordShards.add(s);
        words.add(s, w, id);
      }
      const seen = new Set<string>();
      for (const v of versions) for (const f of v.files) {
        if (seen.has(f.path)) continue;
        seen.add(f.path);
        const s = pathShard(f.path);
        pathShards.add(s);
        paths.add(s, f.path, id);
      }
    }
  }
  let wordCount = 0, pathCount = 0;
  const split: string[] = [];
  for (const [shard, keys] of words.shards([...wordShards].sort())) {
    const sorted = [...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    wordCount += sorted.length;
    writeWordShard(join(out, 'w'), shard, sorted, split);
  }
  writeFileSync(join(out, 'w', 'split.json'), JSON.stringify(split));
  for (const [shard, keys] of paths.shards([...pathShards].sort())) {
    pathCount += keys.size;
    writeFileSync(join(out, 'f', `${shard}.json`), JSON.stringify(Object.fromEntries(keys)));
  }
  for (const [shard, map] of pages) writeFileSync(join(out, 'p', `${shard}.json`), JSON.stringify(map));
  rmSync(scratchDir, { recursive: true, force: true });
  return { pages: pageCount, words: wordCount, paths: pathCount };
}
