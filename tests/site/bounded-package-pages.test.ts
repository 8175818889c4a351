/**
 * Package pages stay bounded whatever the mirror holds. A kernel-devel-sized package (20,000+
 * files) shows the first FILES_ON_PAGE paths and links a text file with all of them, which
 * rpm -qpl judges; a small package keeps its whole list on the page and gets no text file; a
 * rebuild that takes the page from the previous site (page-reuse.ts) still serves the list, and
 * in Chromium the link opens it. A
 * package required by more than REQUIRED_BY_ON_PAGE others, and a capability with more than
 * PROVIDERS_ON_PAGE providers, show that many and say how many more there are. A repo of more
 * than ROWS_ON_PAGE names lists them on pages of that many, each linking the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realisticPackage } from '../../scripts/bench/realistic-package.ts';
import { writeRpm, type CorpusPackage } from '../../scripts/bench/rpm-writer.ts';
import { writeDeb } from '../../scripts/bench/deb-writer.ts';
import { FILES_ON_PAGE, PROVIDERS_ON_PAGE, REQUIRED_BY_ON_PAGE } from '../../scripts/catalog/package-pages.ts';
import { ROWS_ON_PAGE } from '../../scripts/catalog/catalog-data.ts';
import { cli } from '../helpers/cli.ts';
import { launchBrowser, watchedPage } from '../helpers/browser.ts';
import { startNginx } from '../helpers/nginx.ts';
import { run, type RunResult } from '../helpers/run.ts';

let base: string, site: string, first: RunResult;
const BIG = realisticPackage(7, 1, 10), SMALL = realisticPackage(4, 1, 10);
const USERS = REQUIRED_BY_ON_PAGE + 3, PROVIDERS = PROVIDERS_ON_PAGE + 5;
/** A package of one file with the given provides and requires (names only). */
function tiny(name: string, provides: string[], requires: string[]): CorpusPackage {
  const dep = (n: string) => ({ name: n, flags: 0, version: '' });
  return { ...SMALL, name, provides: provides.map(dep), requires: requires.map(dep), recommends: [], suggests: [], supplements: [],
    files: [{ path: `/usr/share/${name}`, mode: 0o100644, data: Buffer.from(name) }] };
}
const hub = tiny('hub', ['hub'], []);
const crowd = [
  ...Array.from({ length: USERS }, (_, i) => tiny(`user-${i}`, [], ['hub', 'popular-capability'])),
  ...Array.from({ length: PROVIDERS }, (_, i) => tiny(`provider-${i}`, ['popular-capability'], [])),
];
// and enough more names that the repo's package list takes two pages, the second of 40
const NAMES = ROWS_ON_PAGE + 40;
crowd.push(...Array.from({ length: NAMES - 3 - crowd.length }, (_, i) => tiny(`filler-${i}`, [], [])));
const rpmName = (p: typeof BIG) => `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`;
const page = (p: typeof BIG) => join(site, '_site/p/repo', p.name, 'index.html');

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-filelists-'));
  const repo = join(base, 'mirror/repo');
  await mkdir(repo, { recursive: true });
  for (const p of [BIG, SMALL, hub, ...crowd]) await writeFile(join(repo, rpmName(p)), await writeRpm(p));
  // an apt repo as long: its package list is paged the same way, and a .deb's page is bounded too
  await mkdir(join(base, 'mirror/apt'), { recursive: true });
  for (let i = 0; i < NAMES; i++) {
    const files = i === 0
      ? Array.from({ length: FILES_ON_PAGE + 7 }, (_, k) => ({ path: `/usr/src/h/f${k}.h`, data: Buffer.alloc(0) }))
      : [{ path: `/usr/share/doc/deb-${i}/README`, data: Buffer.from('x') }];
    const control = { Package: `deb-${String(i).padStart(4, '0')}`, Version: '1.0-1', Architecture: 'amd64',
      Maintainer: 'T <t@example.invalid>', ...(i > 0 ? { Depends: 'deb-0000' } : {}),
      Description: `stand-in ${i}\n for the test` };
    await writeFile(join(base, 'mirror/apt', `${control.Package}_1.0-1_amd64.deb`), await writeDeb({ control, files }));
  }
  site = join(base, 'site');
  first = await cli(['build', '--mirror', join(base, 'mirror'), '--out', site]);
}, 180_000);
afterAll(() => rm(base, { recursive: true, force: true }));

const listItems = (html: string) => (html.match(/<ul class="files"[^>]*>([\s\S]*?)<\/ul>/)?.[1] ?? '').split('<li').length - 1;

describe('package pages of packages with huge file lists', () => {
  it('show the first paths and link a text file of all of them, as rpm -qpl lists them', async () => {
    expect(first.code, first.stderr).toBe(0);
    const html = await readFile(page(BIG), 'utf8');
    expect(BIG.files.length).toBeGreaterThan(20_000);
    expect(listItems(html)).toBe(FILES_ON_PAGE);
    expect(html).toContain(`Files (${BIG.files.length.toLocaleString('en-US')})`);
    const href = html.match(/<a href="([^"]+)" data-file-list>/)?.[1];
    expect(href).toMatch(/\.files\.txt$/);
    const listFile = join(site, '_site/p/repo', BIG.name, href!.split('/').pop()!);
    const listed = (await readFile(listFile, 'utf8')).trim().split('\n').map((l) => l.split('\t')[0]);
    const rpm = await run('rpm', ['-qpl', join(base, 'mirror/repo', rpmName(BIG))]);
    expect(listed).toEqual(rpm.stdout.trim().split('\n'));
    expect((await stat(page(BIG))).size).toBeLessThan(200_000);
  });

  it('in Chromium: the page shows the first paths and its link opens all of them', async () => {
    const server = await startNginx(site);
    const browser = await launchBrowser();
    try {
      const w = await watchedPage(browser, server.url);
      const missing: string[] = [];
      w.page.on('console', (m) => { if (m.type() === 'error') missing.push(new URL(m.location().url).pathname); });
      await w.page.goto(`${server.url}_site/p/repo/${BIG.name}/`);
      expect(await w.page.locator('ul.files li').count()).toBe(FILES_ON_PAGE);
      await w.page.click('a[data-file-list]');
      await w.page.waitForURL(/\.files\.txt$/);
      const text = await w.page.locator('body').innerText();
      expect(text.trim().split('\n')).toHaveLength(BIG.files.length);
      expect(text).toContain(`${BIG.files.at(-1)!.path}\n`);
      // a plain-text document has no icon link, so Chromium asks for /favicon.ico (the site's is under _site/)
      expect(missing.filter((p) => p !== '/favicon.ico')).toEqual([]);
      expect(w.consoleErrors.length).toBe(missing.length);
      expect(w.offHostRequests).toEqual([]);
    } finally {
      await browser.close();
      await server.stop();
    }
  });

  it('keep a small package\'s whole list on its page, with no text file', async () => {
    const html = await readFile(page(SMALL), 'utf8');
    expect(listItems(html)).toBe(SMALL.files.length);
    expect(html).not.toContain('data-file-list');
    expect((await readdir(join(site, '_site/p/repo', SMALL.name))).filter((f) => f.endsWith('.files.txt'))).toEqual([]);
  });

  it('still serve the list when a rebuild takes the page from the previous site', async () => {
    const before = await readdir(join(site, '_site/p/repo', BIG.name));
    expect(before.filter((f) => f.endsWith('.files.txt'))).toHaveLength(1);
    const again = await cli(['build', '--mirror', join(base, 'mirror'), '--out', site]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Package pages: 0 rendered, ${3 + crowd.length} unchanged and taken from the previous site.`);
    expect(await readdir(join(site, '_site/p/repo', BIG.name))).toEqual(before);
  });

  it('show the first of many providers and requirers and say how many more there are', async () => {
    const html = await readFile(page(hub), 'utf8');
    expect(html.split('data-required-by=').length - 1).toBe(REQUIRED_BY_ON_PAGE);
    expect(html).toMatch(new RegExp(`… and 3 more \\(${USERS} in all;\\s*<code>dnf repoquery --whatrequires hub</code>`));
    const user = await readFile(page(crowd[0]!), 'utf8');
    const popular = user.slice(user.indexOf('popular-capability'));
    expect(popular.slice(0, popular.indexOf('</li>')).split('data-provider=').length - 1).toBe(PROVIDERS_ON_PAGE);
    expect(user).toContain(`, and 5 more providers (${PROVIDERS} in all)`);
    expect(await readFile(page(crowd[1]!), 'utf8')).not.toContain('data-more-required-by');
  });

  it('list a repo of more names than ROWS_ON_PAGE on pages of that many, linked both ways in Chromium', async () => {
    const rows = (html: string) => html.split('<tr data-arch=').length - 1;
    const names = [BIG, SMALL, hub, ...crowd].map((p) => p.name).sort();
    const first = await readFile(join(site, 'repo/index.html'), 'utf8');
    expect(rows(first)).toBe(ROWS_ON_PAGE);
    expect(first).toContain(`Names 1–${ROWS_ON_PAGE} of ${NAMES}, by name.`);
    const second = await readFile(join(site, '_site/r/repo/2/index.html'), 'utf8');
    expect(rows(second)).toBe(40);
    expect(second).toContain(`>${names[ROWS_ON_PAGE]}</a>`);
    expect(second).toContain(`${names[ROWS_ON_PAGE]} … ${names.at(-1)}`);
    expect(first.length).toBeLessThan(400_000);
    const server = await startNginx(site);
    const browser = await launchBrowser();
    try {
      const w = await watchedPage(browser, server.url);
      await w.page.goto(`${server.url}repo/`);
      await w.page.click('a[data-row-page="2"]');
      await w.page.waitForURL(/\/_site\/r\/repo\/2\/$/);
      expect(await w.page.locator('#packages tbody tr').count()).toBe(40);
      await w.page.locator('#packages a').first().click();
      await w.page.waitForURL(new RegExp(`/_site/p/repo/${names[ROWS_ON_PAGE]}/$`));
      await w.page.goBack();
      await w.page.click('a[data-row-page="1"]');
      await w.page.waitForURL(/\/repo\/$/);
      expect(await w.page.locator('#packages tbody tr').count()).toBe(ROWS_ON_PAGE);
      expect(w.consoleErrors).toEqual([]);
      expect(w.offHostRequests).toEqual([]);
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});

describe('an apt repo of more than ROWS_ON_PAGE packages', () => {
  it('lists them on pages of ROWS_ON_PAGE linked both ways; a .deb page shows FILES_ON_PAGE paths, 200 users', async () => {
    const rowsOf = (html: string) => (html.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? '').split('<tr').length - 1;
    const one = await readFile(join(site, '_site/dl/apt/1/index.html'), 'utf8');
    const two = await readFile(join(site, '_site/dl/apt/2/index.html'), 'utf8');
    expect([rowsOf(one), rowsOf(two)]).toEqual([ROWS_ON_PAGE, 40]);
    expect(one).toContain('href="../../../../_site/dl/apt/2/" rel="next"');
    expect(two).toContain('href="../../../../_site/dl/apt/1/" rel="prev"');
    expect(two).toContain(`>deb-${String(ROWS_ON_PAGE).padStart(4, '0')}</a>`);
    const home = await readFile(join(site, 'index.html'), 'utf8');
    expect(home).toContain(`all ${NAMES} with versions and summaries`);
    const headers = await readFile(join(site, '_site/d/apt/deb-0000/index.html'), 'utf8');
    expect(listItems(headers)).toBe(FILES_ON_PAGE);
    expect(headers).toContain(`Files (${(FILES_ON_PAGE + 7).toLocaleString('en-US')})`);
    expect(headers.split('data-required-by=').length - 1).toBe(REQUIRED_BY_ON_PAGE);
    expect(headers).toContain(`${(NAMES - 1).toLocaleString('en-US')} in all; `
      + '<code>apt-cache rdepends deb-0000</code>');
    expect((await stat(join(site, '_site/dl/apt/1/index.html'))).size).toBeLessThan(400_000);
  });
});
