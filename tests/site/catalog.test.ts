/**
 * The browsable catalog as a person and dnf meet it: headless Debian Chromium against nginx
 * serving the built sample site (home, search, copy button, escaping, no console errors, no
 * request leaving 127.0.0.1, readable without JavaScript), a link check under `/` and under
 * a prefix, the downloadable .repo file used by dnf as is, and provider / reverse-dependency
 * links agreeing with `dnf repoquery --whatprovides / --whatrequires`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fg from 'fast-glob';
import type { Browser } from 'playwright-core';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { launchBrowser, watchedPage, type WatchedPage } from '../helpers/browser.ts';
import { checkLinks } from '../helpers/link-check.ts';
import { dnf, type RepoMap } from '../helpers/dnf.ts';
import { run } from '../helpers/run.ts';
import { SAMPLE_REPOS } from '../helpers/sample-site.ts';

let base: string, out: string, server: Nginx, prefixed: Nginx, browser: Browser;
const watched: WatchedPage[] = [];
const ids = SAMPLE_REPOS.map((r) => r.replace('/', '-'));

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-catalog-'));
  out = join(base, 'dist');
  server = await startNginx(out);
  prefixed = await startNginx(out, '/mirror/');
  const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--base-url', server.url]);
  expect(r.code, r.stderr).toBe(0);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await prefixed?.stop();
  await rm(base, { recursive: true, force: true });
});

async function open(url: string): Promise<WatchedPage> {
  const w = await watchedPage(browser, new URL(url).origin);
  watched.push(w);
  await w.page.goto(url);
  return w;
}

describe('in Chromium', () => {
  it('home lists every sample repo with its package count', async () => {
    const { page } = await open(server.url);
    const rows = await page.locator('tr[data-repo]').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.repo));
    expect(rows.sort()).toEqual([...ids].sort());
    expect(await page.getByTestId('totals').textContent()).toContain('6 repos, 25 packages');
  });

  it.each([
    ['a package name', 'kernel-devel', 'kernel-devel (rhocp-4.18-for-rhel-9-aarch64-rpms)'],
    ['a name prefix', 'numactl-l', 'numactl-libs (ubi9-baseos)'],
    ['a file name', 'libnuma.so.1.0.0', 'numactl-libs (ubi9-baseos)'],
    ['a full file path', '/usr/lib64/libnuma.so.1.0.0', 'numactl-libs (ubi9-baseos)'],
    ['a provides entry', 'kernel-devel-uname-r', 'kernel-devel (rhocp-4.18-for-rhel-9-aarch64-rpms)'],
    ['a runbook (Pagefind)', 'Driver Toolkit', 'Runbook: '],
    ['a .deb package name', 'linux-modules-5.15.0-91-generic', 'linux-modules-5.15.0-91-generic (ubuntu-jammy)'],
    ['a .deb package\'s full file path', '/usr/share/doc/pkg-config/README', 'pkg-config (ubuntu-jammy)'],
  ])('search for %s finds it, under / and under /mirror/', async (what, query, title) => {
    for (const root of [server.url, prefixed.url]) {
      const { page } = await open(`${root}_site/search/`);
      await page.fill('#search-input', query);
      const hit = page.locator('.search-result a', { hasText: title }).first();
      await hit.waitFor({ timeout: 15_000 });
      await hit.click();
      await page.waitForLoadState();
      if (what.startsWith('a runbook')) {
        expect(page.url()).toContain(`${root}_site/runbooks/`);
        continue;
      }
      if (what.startsWith('a .deb')) {
        const name = title.split(' ')[0]!;
        expect(page.url()).toBe(`${root}_site/d/ubuntu-jammy/${name}/`);
        expect(await page.locator('h1').textContent()).toBe(name);
        continue;
      }
      expect(page.url()).toContain(`${root}_site/p/`);
      expect(await page.locator('h1').textContent()).toBe(title.split(' ')[0]);
    }
  });

  it('the copy button puts the exact .repo text on the clipboard', async () => {
    const { page } = await open(server.url);
    await page.locator('.snippet button.copy').first().click();
    await expect.poll(() => page.locator('.snippet button.copy').first().textContent()).toBe('Copied');
    const clip = await page.evaluate(() => navigator.clipboard.readText());
    const file = await (await fetch(`${server.url}_site/repo-files/airgap-mirror.repo`)).text();
    expect(clip).toBe(file);
    expect(clip).toContain(`[ubi9-baseos]\nname=ubi9-baseos\nbaseurl=${server.url}ubi9/baseos/\nenabled=1\ngpgcheck=0\n`);
  });

  it('a <script> in a description is shown as text and never runs', async () => {
    const w = await open(`${server.url}_site/p/ubi9-baseos/lsof/`);
    expect(await w.page.locator('.description').first().textContent()).toContain('<script>alert("lsof")</script>');
    expect(await w.page.locator('main script').count()).toBe(0);
    expect(w.dialogs).toEqual([]);
  });

  it('pages stay readable with JavaScript off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}ubi9/baseos/`);
    expect(await page.locator('#packages tbody tr').count()).toBe(6);
    expect(await page.locator('pre[data-copy]').textContent()).toContain('[ubi9-baseos]');
    await context.close();
  });

  it('no page logged a console error, opened a dialog or asked for anything beyond 127.0.0.1', () => {
    expect(watched.length).toBeGreaterThan(5);
    for (const w of watched) {
      expect(w.consoleErrors).toEqual([]);
      expect(w.dialogs).toEqual([]);
      expect(w.offHostRequests).toEqual([]);
    }
  });
});

describe('links', () => {
  it.each([['/', () => server.url], ['/mirror/', () => prefixed.url]])('no broken internal link when served under %s', async (_p, url) => {
    const root = url();
    const r = await checkLinks(root, root);
    expect(r.pages).toBeGreaterThan(30);
    expect(r.broken).toEqual([]);
  });
});

describe('the downloadable .repo file', () => {
  it('makes every repo usable by dnf as is', async () => {
    const reposdir = await mkdtemp(join(tmpdir(), 'airgap-reposd-'));
    await writeFile(join(reposdir, 'airgap-mirror.repo'), await (await fetch(`${server.url}_site/repo-files/airgap-mirror.repo`)).text());
    const cache = await mkdtemp(join(tmpdir(), 'airgap-dnfc-'));
    const r = await run('dnf', ['-y', '-q', '--noplugins', '--releasever', '9', `--setopt=reposdir=${reposdir}`, `--setopt=cachedir=${cache}`, '--setopt=module_platform_id=platform:el9', 'repoquery', '--forcearch', 'aarch64', '--qf', '%{repoid} %{name}-%{evr}.%{arch}']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(new Set(lines.map((l) => l.split(' ')[0]))).toEqual(new Set(ids));
    expect(lines).toHaveLength(25);
    await rm(reposdir, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  });
});

describe('dependency links agree with dnf', () => {
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  let repos: RepoMap;
  let pages: { file: string; html: string }[];
  beforeAll(async () => {
    repos = Object.fromEntries(SAMPLE_REPOS.map((r) => [r.replace('/', '-'), join(out, r)]));
    pages = await Promise.all((await fg('_site/p/*/*/index.html', { cwd: out })).map(async (file) => ({ file, html: await readFile(join(out, file), 'utf8') })));
  });
  const query = async (args: string[]) => (await dnf(repos, ['repoquery', '--qf', '%{name}-%{evr}.%{arch}', ...args], { arch: 'aarch64' })).stdout.trim().split('\n').filter(Boolean).sort();
  const nevraNoZeroEpoch = (s: string) => s.replace(/-0:/, '-');

  it('providers of every Requires match --whatprovides', async () => {
    const deps = new Map<string, Set<string>>();
    for (const { html } of pages) {
      for (const ul of html.matchAll(/<ul class="deps" data-kind="requires"[^>]*>([\s\S]*?)<\/ul>/g)) {
        for (const li of ul[1]!.matchAll(/<li>([\s\S]*?)<\/li>/g)) {
          const text = decode(/<code>([\s\S]*?)<\/code>/.exec(li[1]!)![1]!);
          const providers = [...li[1]!.matchAll(/data-provider="([^"]+)"/g)].map((m) => m[1]!);
          deps.set(text, new Set([...(deps.get(text) ?? []), ...providers]));
        }
      }
    }
    expect(deps.size).toBeGreaterThan(10);
    for (const [text, ours] of deps) {
      expect([...ours].sort(), text).toEqual((await query(['--whatprovides', text])).map(nevraNoZeroEpoch).filter((n) => !n.endsWith('.src')));
    }
  });

  it('"required by" of every package matches --whatrequires', async () => {
    const byName = new Map<string, Set<string>>();
    for (const { html } of pages) {
      const name = decode(/<h1[^>]*>([^<]*)<\/h1>/.exec(html)![1]!);
      const set = byName.get(name) ?? new Set<string>();
      for (const m of html.matchAll(/data-required-by="([^"]+)"/g)) set.add(m[1]!);
      byName.set(name, set);
    }
    expect(byName.size).toBeGreaterThan(15);
    let nonEmpty = 0;
    for (const [name, ours] of byName) {
      const theirs = (await query(['--whatrequires', name])).map(nevraNoZeroEpoch);
      expect([...ours].sort(), name).toEqual(theirs);
      if (theirs.length) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(5);
  });
});
