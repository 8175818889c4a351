/**
 * Repo directories and package file names of any spelling (`%`, `#`, `?`, space, `+`) build a
 * whole site, and every link and baseurl made from them works: each segment is
 * percent-encoded by one helper (scripts/url-path.ts). Judged by crawling the site through nginx
 * (every internal link answers 200) and by dnf reading every repo from the generated .repo files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { checkLinks } from '../helpers/link-check.ts';
import { launchBrowser, watchedPage } from '../helpers/browser.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { run } from '../helpers/run.ts';
import { writeStandInRpm } from '../helpers/stand-in-rpm.ts';

/** Repo directory, package name, and the package's file name when it is not the NEVRA's. */
const REPOS: [string, string, string?][] = [
  ['pct%41', 'alpha'], ['hash#1', 'beta', 'beta#1-1.0-1.el9.noarch.rpm'], ['q?x', 'gamma', 'gam?ma-1.0-1.el9.noarch.rpm'],
  ['sp ace', 'delta'], ['plus+dir/sub%2Fdir', 'epsilon'], ['markup', '<b>bold</b>&tool', 'markup-bold.rpm'],
];

let base: string, out: string, nginx: Nginx;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-odd-'));
  for (const [d, name, file] of REPOS) await writeStandInRpm(join(base, 'mirror', d, 'Packages'), { name }, file);
  out = join(base, 'site');
  const r = await cli(['build', '--mirror', join(base, 'mirror'), '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  nginx = await startNginx(out);
});
afterAll(async () => {
  await nginx?.stop();
  await rm(base, { recursive: true, force: true });
});

describe('repo directories and file names of any spelling', () => {
  it('search in Chromium finds a package by any word of its name, whatever characters it holds', async () => {
    const browser = await launchBrowser();
    try {
      const { page, consoleErrors } = await watchedPage(browser, nginx.url);
      await page.goto(`${nginx.url}_site/search/`);
      for (const word of ['bold', 'tool', 'b>bold']) {
        await page.fill('#search-input', word);
        const hit = page.locator('.search-result a', { hasText: '<b>bold</b>&tool (markup)' });
        await hit.waitFor({ timeout: 15_000 });
      }
      await page.locator('.search-result a', { hasText: '<b>bold</b>&tool (markup)' }).click();
      await page.waitForLoadState();
      expect(await page.locator('h1').textContent()).toBe('<b>bold</b>&tool');
      expect(consoleErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('build; every internal link of the site answers 200 through nginx, the repo pages and downloads included', async () => {
    const r = await checkLinks(nginx.url, nginx.url);
    expect(r.broken).toEqual([]);
    const home = await readFile(join(out, 'index.html'), 'utf8');
    for (const href of ['pct%2541/', 'hash%231/', 'q%3Fx/', 'sp%20ace/', 'plus%2Bdir/sub%252Fdir/']) {
      expect(home).toContain(`href="${href}"`);
      expect((await fetch(`${nginx.url}${href}`)).status, href).toBe(200);
    }
    const beta = await readFile(join(out, '_site/p/hash_1/beta/index.html'), 'utf8');
    expect(beta).toContain('href="../../../../hash%231/Packages/beta%231-1.0-1.el9.noarch.rpm"');
    expect(r.pages).toBeGreaterThan(REPOS.length * 2);
  });

  it('dnf reads every repo from the generated .repo files', async () => {
    const files = join(base, 'repos');
    const g = await cli(['repo-files', '--site', out, '--out-dir', files, '--base-url', nginx.url]);
    expect(g.code, g.stderr).toBe(0);
    expect((await readdir(files)).length).toBeGreaterThan(0);
    const q = await run('dnf', ['-y', '-q', '--releasever', '9', `--setopt=reposdir=${files}`, `--setopt=cachedir=${join(base, 'dnf')}`,
      '--setopt=gpgcheck=0', '--noplugins', 'repoquery', '--qf', '%{name} %{location}']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout.trim().split('\n').sort()).toEqual(['<b>bold</b>&tool Packages/markup-bold.rpm',
      'alpha Packages/alpha-1.0-1.el9.noarch.rpm',
      'beta Packages/beta#1-1.0-1.el9.noarch.rpm', 'delta Packages/delta-1.0-1.el9.noarch.rpm',
      'epsilon Packages/epsilon-1.0-1.el9.noarch.rpm', 'gamma Packages/gam?ma-1.0-1.el9.noarch.rpm']);
    const dl = await run('dnf', ['-y', '-q', '--releasever', '9', `--setopt=reposdir=${files}`, `--setopt=cachedir=${join(base, 'dnf')}`,
      '--setopt=gpgcheck=0', 'download', '--destdir', join(base, 'dl'), 'beta', 'gamma']);
    expect(dl.code, dl.stderr).toBe(0);
    expect((await readdir(join(base, 'dl'))).sort()).toEqual(['beta#1-1.0-1.el9.noarch.rpm', 'gam?ma-1.0-1.el9.noarch.rpm']);
  });
});
