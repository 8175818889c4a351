/**
 * The cache file itself: a build appends only what changed, a reload sees exactly the
 * entries of the last build, a line cut by a killed build costs only that package, the file
 * is rewritten once mostly superseded, and another context starts empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackageCache } from '../../scripts/scan/package-cache.ts';
import type { PackageRecord } from '../../scripts/formats/rpm/package-record.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'airgap-cache-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const st = (size: number, mtimeMs = 1000) => ({ size, mtimeMs, ino: size, dev: 1 }) as unknown as Stats;
const rec = (name: string) => ({ name }) as unknown as PackageRecord;
const lineCount = async () => (await readFile(PackageCache.fileOf(dir, 'repo'), 'utf8')).split('\n').filter(Boolean).length;

/** One build: `files` maps href → size; returns the hrefs that were cache hits. */
async function run(files: Record<string, number>, context = 'c1'): Promise<string[]> {
  const cache = await PackageCache.open(dir, 'repo', context);
  const hits: string[] = [];
  for (const [href, size] of Object.entries(files)) {
    if (cache.get(href, st(size))) hits.push(href);
    else cache.set(href, st(size), rec(href));
  }
  await cache.save();
  return hits;
}

describe('package cache file', () => {
  it('appends changes, reloads the last state, survives a cut line, compacts', async () => {
    const files = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}.rpm`, 10 + i]));
    expect(await run(files)).toEqual([]);
    expect(await lineCount()).toBe(101); // context + 100 entries
    expect(await run(files)).toHaveLength(100);
    expect(await lineCount()).toBe(101); // nothing changed, nothing written

    // one changed, one deleted, one new: three lines appended
    const { ['p1.rpm']: _deleted, ...rest } = files;
    const next = { ...rest, 'p2.rpm': 999, 'new.rpm': 5 };
    expect((await run(next)).sort()).toEqual(Object.keys(rest).filter((h) => h !== 'p2.rpm').sort());
    expect(await lineCount()).toBe(104);
    expect((await run(next)).sort()).toEqual(Object.keys(next).sort());

    // a build killed while appending: the cut line is ignored, only its package is read again
    await appendFile(PackageCache.fileOf(dir, 'repo'), '{"href":"p3.rpm","size":');
    expect(await run(next)).toHaveLength(Object.keys(next).length);

    // many rounds of changes: the file is rewritten instead of growing without end
    for (let round = 0; round < 4; round++) await run(Object.fromEntries(Object.keys(next).map((h) => [h, 2000 + round])));
    expect(await lineCount()).toBeLessThanOrEqual(2 * Object.keys(next).length + 64 + 1);
    expect(await run(Object.fromEntries(Object.keys(next).map((h) => [h, 2003])))).toHaveLength(Object.keys(next).length);

    // another context (tool version, changelog limit, keys) starts empty
    expect(await run(next, 'c2')).toEqual([]);
  });

  it('stores records handed over as JSON (from reader threads) like objects, over many write chunks', async () => {
    // ~3 MiB of lines: the rewrite goes out in several 1 MiB writes
    const big = (i: number) => ({ name: `p${i}`, description: 'x'.repeat(6000), files: [{ path: `/usr/share/p${i}/é`, type: 'file' }] }) as unknown as PackageRecord;
    const cache = await PackageCache.open(dir, 'json', 'c1');
    for (let i = 0; i < 500; i++) {
      const r = big(i);
      if (i % 2) cache.set(`p${i}.rpm`, st(i), r, JSON.stringify(r));
      else cache.set(`p${i}.rpm`, st(i), r);
    }
    await cache.save();
    const text = await readFile(PackageCache.fileOf(dir, 'json'), 'utf8');
    expect(text.length).toBeGreaterThan(3_000_000);
    expect(text.endsWith('}\n')).toBe(true);
    const again = await PackageCache.open(dir, 'json', 'c1');
    for (let i = 0; i < 500; i++) expect(again.get(`p${i}.rpm`, st(i)), `p${i}`).toStrictEqual(big(i));
    // both kinds of line are the same text
    const lines = text.split('\n');
    expect(lines[1]!.replaceAll('p0', 'pN')).toBe(lines[2]!.replaceAll('p1', 'pN').replace('"size":1,', '"size":0,').replace('"mtimeMs":1000,"ino":1', '"mtimeMs":1000,"ino":0'));
  });

  it('reloads lines longer than its 1 MiB read buffer, and multi-byte text wherever the reads end', async () => {
    // 3-byte characters in lines of many lengths: buffer ends fall inside characters and lines
    const odd = (i: number) => ({ name: `p${i}`, description: '€ü😀x'.repeat(1 + ((i * 7919) % 4000)) }) as unknown as PackageRecord;
    const huge = { name: 'huge', description: '漢'.repeat(900_000) } as unknown as PackageRecord; // 2.7 MB of UTF-8
    const cache = await PackageCache.open(dir, 'long', 'c1');
    for (let i = 0; i < 400; i++) cache.set(`p${i}.rpm`, st(i), odd(i));
    cache.set('huge.rpm', st(1e6), huge);
    cache.set('after.rpm', st(1e6 + 1), odd(1));
    await cache.save();
    const again = await PackageCache.open(dir, 'long', 'c1');
    for (let i = 0; i < 400; i++) expect(again.get(`p${i}.rpm`, st(i)), `p${i}`).toStrictEqual(odd(i));
    expect(again.get('huge.rpm', st(1e6))).toStrictEqual(huge);
    expect(again.get('after.rpm', st(1e6 + 1))).toStrictEqual(odd(1));
  });
});
