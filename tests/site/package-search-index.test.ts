/**
 * The package search index as files (the browser side is judged in tests/site/catalog.test.ts):
 * one to one with the records, sorted for prefix search, big shards split character by character
 * until each is small, full paths found exactly through their hash shard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fnv1a, pathShard, SEARCH_INDEX_DIR, writePackageSearchIndex, wordShard } from '../../scripts/site/package-search-index.ts';
import type { AptPackage, PackageRecord } from '../../scripts/formats/format.ts';

let dir: string;
let counts: { pages: number; words: number; paths: number };
const FILES = 30_000;

const record = (name: string, summary: string, files: string[], provides: string[] = []) => ({
  name, epoch: '0', version: '1', release: '1', arch: 'x86_64', summary,
  deps: { provides: provides.map((p) => ({ name: p })), requires: [], conflicts: [], obsoletes: [], suggests: [],
    enhances: [], recommends: [], supplements: [] },
  files: files.map((path) => ({ path, type: 'file' })),
}) as unknown as PackageRecord;

const deb = (name: string, version: string, files: string[], provides?: string) => ({ filename: `${name}.deb`,
  deb: { control: { Package: name, Version: version, Description: `High-performance mail transport agent\n more`,
    ...(provides ? { Provides: provides } : {}) }, files, changelog: [], size: 1, md5: '', sha256: '' },
}) as AptPackage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airgap-search-index-'));
  const big = Array.from({ length: FILES }, (_, i) => `/usr/src/kernels/k/d${i % 300}/include_file_${i}.h`);
  counts = writePackageSearchIndex(join(dir, 'site'), [
    { repoId: 'rhocp', packages: [record('kernel-devel', 'Development package for building kernel modules', big,
      ['kernel-devel-uname-r']), record('kernel-core', 'The Linux kernel', ['/boot/vmlinuz'])] },
    { repoId: 'baseos', packages: [record('numactl-libs', 'libnuma libraries', ['/usr/lib64/libnuma.so.1.0.0']),
      record('<b>bold</b>&amp;x11-tool', 'Markup in the name', [])] },
  ], [{ repoId: 'jammy', packages: [
    deb('postfix', '3.6.4-1ubuntu1', ['/usr/', '/usr/sbin/postfix'], 'mail-transport-agent, default-mta'),
    deb('postfix', '3.6.3-1', ['/usr/sbin/postfix', '/usr/lib/postfix/old-helper'])] }]);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const index = (p: string) => join(dir, 'site', SEARCH_INDEX_DIR, p);
const load = async (p: string) => JSON.parse(await readFile(index(p), 'utf8'));

/** Looks a word prefix up as the browser does (site/components/SearchBox.astro). */
async function lookup(q: string): Promise<string[] | null> {
  const split: string[] = await load('w/split.json');
  let shard = wordShard(q);
  while (split.includes(shard)) {
    if (q.length <= shard.length) return null;
    shard += /^[a-z0-9]$/.test(q[shard.length] ?? '') ? q[shard.length]! : '_';
  }
  const rows: [string, string[]][] = await load(`w/${[shard.slice(0, 2), ...shard.slice(2)].join('/')}.json`);
  return [...new Set(rows.filter(([k]) => k.startsWith(q)).flatMap(([, pages]) => pages))].sort();
}

describe('package search index', () => {
  it('hashes paths with 32-bit FNV-1a over their UTF-8 bytes, ASCII or not (the browser client hashes the bytes)', () => {
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('/usr/bin/bash')).toBe(0x23695e19);
    expect(fnv1a('/usr/share/doc/café/README')).toBe(0x4aa81207);
  });

  it('indexes every page, name, provide, basename, summary word and path', async () => {
    expect(counts.pages).toBe(5);
    expect(counts.paths).toBe(FILES + 4);
    expect(await lookup('kernel-d')).toEqual(['rhocp/kernel-devel']);
    expect(await lookup('kernel-devel-uname')).toEqual(['rhocp/kernel-devel']);
    expect(await lookup('libnuma.so')).toEqual(['baseos/numactl-libs']);
    expect(await lookup('libraries')).toEqual(['baseos/numactl-libs']);
    expect(await lookup('numactl')).toEqual(['baseos/numactl-libs']);
    expect(await lookup('libs')).toEqual(['baseos/numactl-libs']);
    const markup = ['baseos/~3cb~3ebold~3c~2fb~3e~26amp~3bx11-tool'];
    for (const word of ['bold', 'amp', 'x11', 'tool', '<b>bold']) expect(await lookup(word), word).toEqual(markup);
    expect((await load(`p/${pathShard('baseos/numactl-libs')}.json`))['baseos/numactl-libs'])
      .toEqual(['numactl-libs (baseos)', 'libnuma libraries', 'numactl-libs']);
    expect((await load(`f/${pathShard('/usr/lib64/libnuma.so.1.0.0')}.json`))['/usr/lib64/libnuma.so.1.0.0']).toEqual(['baseos/numactl-libs']);
  });

  it('indexes a .deb package page once for all its versions: name, Provides, basenames, summary, paths', async () => {
    const page = [':d/jammy/postfix'];
    for (const word of ['postfix', 'mail-transport-agent', 'default-mta', 'old-helper', 'transport']) {
      expect(await lookup(word), word).toEqual(page);
    }
    expect((await load(`p/${pathShard(page[0]!)}.json`))[page[0]!])
      .toEqual(['postfix (jammy)', 'High-performance mail transport agent', 'postfix']);
    expect((await load(`f/${pathShard('/usr/sbin/postfix')}.json`))['/usr/sbin/postfix']).toEqual(page);
    expect((await load(`f/${pathShard('/usr/')}.json`))['/usr/'], 'directories are not paths to find').toBeUndefined();
  });

  it('splits a shard of 30,000 shared-prefix file names until every file is small', async () => {
    expect(await lookup('in')).toBeNull(); // too many keys under "in": one more character is asked for
    expect(await lookup('include_file_12345.h')).toEqual(['rhocp/kernel-devel']);
    const sizes: number[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(d, e.name));
        else sizes.push((await readFile(join(d, e.name))).length);
      }
    };
    await walk(index('w'));
    expect(Math.max(...sizes)).toBeLessThan(600 << 10);
    const rows: [string, string[]][] = await load(`w/${wordShard('kernel')}.json`);
    expect(rows.map(([k]) => k)).toEqual([...rows.map(([k]) => k)].sort());
  });
});
