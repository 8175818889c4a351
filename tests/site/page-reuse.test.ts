/**
 * Incremental site builds: package pages of unchanged packages are taken from the previous
 * site instead of rendered, a changed package's page is rendered again, a page damaged in
 * the live site is rendered again rather than carried, so are the pages linking a removed
 * provider, and the package pages and the search index always equal those of a fresh build
 * with the cache off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { fileHashes } from '../helpers/tree-hash.ts';

let base: string, mirror: string;
const env = { SOURCE_DATE_EPOCH: '1700000000' };
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-pages-'));
  // one site key for both sites: the runbooks and the apt .sources show it, so pages compared
  // across the two must not differ by it
  expect((await cli(['key', 'create', '--out', join(base, 'key')])).code).toBe(0);
  mirror = join(base, 'mirror');
  await cp(SAMPLE_MIRROR, mirror, { recursive: true, preserveTimestamps: true });
});
afterAll(async () => { await rm(base, { recursive: true, force: true }); });

async function build(out: string, extra: string[] = []) {
  const r = await cli(['build', '--mirror', mirror, '--out', join(base, out), '--signing-key',
    join(base, 'key/site-key.asc'), ...extra], { env });
  expect(r.code, r.stderr).toBe(0);
  const m = /Package pages: (\d+) rendered, (\d+) unchanged/.exec(r.stdout);
  return { rendered: Number(m?.[1] ?? -1), reused: Number(m?.[2] ?? -1) };
}

/** sha256 of every package page of a site, by path. */
const packagePages = (out: string) => fileHashes(join(base, out), '_site/p/**/index.html');

/** Pagefind's entry file: page count and the hash naming the index built over those pages. */
async function pagefindEntry(out: string): Promise<{ page_count: number; hash: string }> {
  const entry = JSON.parse(await readFile(join(base, out, '_site/pagefind/pagefind-entry.json'), 'utf8')) as { languages: { en: { page_count: number; hash: string } } };
  return { page_count: entry.languages.en.page_count, hash: entry.languages.en.hash };
}

describe('package pages across builds', () => {
  it('renders only what changed and matches a fresh build', async () => {
    expect(await build('site')).toEqual({ rendered: 24, reused: 0 });
    const first = await packagePages('site');
    expect(first.size).toBe(24);

    expect(await build('site')).toEqual({ rendered: 0, reused: 24 });
    expect(await packagePages('site')).toEqual(first);

    // one package changed (new mtime, so its page shows another file time): only its page
    const lsof = join(mirror, 'ubi9/baseos/Packages/lsof-4.94.0-3.el9.aarch64.rpm');
    await utimes(lsof, new Date(), new Date('2025-01-02T03:04:05Z'));
    expect(await build('site')).toEqual({ rendered: 1, reused: 23 });
    const page = join(base, 'site/_site/p/ubi9-baseos/lsof/index.html');
    expect(await readFile(page, 'utf8')).toContain('2025-01-02');

    // a page edited in the live site is not carried: it is rendered again
    const coreutils = join(base, 'site/_site/p/ubi9-baseos/coreutils/index.html');
    const good = await readFile(coreutils);
    await rm(coreutils);
    await writeFile(coreutils, Buffer.concat([good, Buffer.from('<!-- edited -->')]));
    expect(await build('site')).toEqual({ rendered: 1, reused: 23 });
    expect((await readFile(coreutils)).equals(good)).toBe(true);
    // so is one changed in place to the same size (its modification time tells)
    const hostname = join(base, 'site/_site/p/ubi9-baseos/hostname/index.html');
    const hostnameGood = await readFile(hostname);
    await writeFile(hostname, hostnameGood.toString('latin1').replace('<h1>', '<h2>').replace('</h1>', '</h2>'), 'latin1');
    expect(await build('site')).toEqual({ rendered: 1, reused: 23 });
    expect((await readFile(hostname)).equals(hostnameGood)).toBe(true);
    // and one lost from the live site
    await rm(hostname);
    expect(await build('site')).toEqual({ rendered: 1, reused: 23 });
    expect((await readFile(hostname)).equals(hostnameGood)).toBe(true);

    // a provider removed: the pages listing it (as a provider, or requiring what it requires) change
    // though their own packages did not; the fresh build below tells if one was carried
    await rm(join(mirror, 'rhocp-4.18-for-rhel-9-aarch64-rpms/Packages/kernel-core-5.14.0-427.87.1.el9_4.aarch64.rpm'));
    expect(await build('site')).toEqual({ rendered: 5, reused: 18 });

    await build('fresh', ['--no-cache']);
    expect(await packagePages('site')).toEqual(await packagePages('fresh'));
    // and so is the search index: same pages, same order, same index
    expect(await pagefindEntry('site')).toEqual(await pagefindEntry('fresh'));
  });
});
