/**
 * A mirror holding both formats: an RPM repo and a directory of `.deb` files shaped like an
 * Ubuntu pool's driver-build packages (built in the test with dpkg-deb). `build` serves both:
 * dnf reads the RPM repo, and real apt-get in an isolated root, given only the generated
 * `airgap-mirror.sources` (Signed-By the site key inline, no trusted=yes), updates over nginx and
 * downloads the pool's kernel headers with their dependencies. A file that is not a package is
 * named and left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { run } from '../helpers/run.ts';
import YAML from 'yaml';
import { aptPoolReadiness } from '../../scripts/preflight/apt-preflight.ts';
import { launchBrowser, watchedPage } from '../helpers/browser.ts';

let base: string, mirror: string, site: string, server: Nginx, built: Awaited<ReturnType<typeof cli>>;
const KV = '5.15.0-91-generic';

/** Builds a stand-in `.deb` with dpkg-deb into the mirror's Ubuntu pool. */
async function deb(name: string, version: string, arch: string, fields = ''): Promise<void> {
  const root = join(base, `root-${name}`);
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await mkdir(join(root, `usr/share/doc/${name}`), { recursive: true });
  await writeFile(join(root, `usr/share/doc/${name}/README`), `${name}\n`);
  await writeFile(join(root, 'DEBIAN/control'), `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\n`
    + `Maintainer: Test <test@example.invalid>\n${fields}Description: stand-in ${name}\n for airgap-mirror's tests\n`);
  const r = await run('dpkg-deb', ['--root-owner-group', '--build', root, join(mirror, 'ubuntu/jammy', `${name}_${version}_${arch}.deb`)]);
  expect(r.code, r.stderr).toBe(0);
}

/** apt-get or apt-cache with all state under `root`. */
const apt = (root: string, args: string[], tool = 'apt-get') => run(tool, ['-o', `Dir=${root}`,
  '-o', `Dir::State::status=${join(root, 'var/lib/dpkg/status')}`, '-o', 'APT::Architecture=amd64',
  '-o', 'APT::Sandbox::User=root', '-o', 'Debug::NoLocking=1', ...args]);

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-both-'));
  mirror = join(base, 'mirror');
  await mkdir(join(mirror, 'ubuntu/jammy'), { recursive: true });
  await mkdir(join(mirror, 'ubi8/baseos/Packages'), { recursive: true });
  await copyFile(join(SAMPLE_MIRROR, 'ubi8/baseos/Packages/hostname-3.23-6.el8.aarch64.rpm'),
    join(mirror, 'ubi8/baseos/Packages/hostname-3.23-6.el8.aarch64.rpm'));
  await deb('linux-headers-5.15.0-91', '5.15.0-91.101', 'all');
  await deb(`linux-headers-${KV}`, '5.15.0-91.101', 'amd64', 'Depends: linux-headers-5.15.0-91, libc6 (>= 2.34)\n');
  await deb('libc6', '2.35-0ubuntu3.5', 'amd64', 'Multi-Arch: same\n');
  await deb('pkg-config', '0.29.2-1ubuntu3', 'amd64', 'Depends: libc6 (>= 2.34)\n');
  await writeFile(join(mirror, 'ubuntu/jammy/broken_1.0_amd64.deb'), 'not a package');
  expect((await run('mkfifo', [join(mirror, 'ubuntu/jammy/fifo_1.0_amd64.deb')])).code).toBe(0);
  await mkdir(join(mirror, 'ubuntu/jammy/dir_1.0_amd64.deb'));
  // a real package whose name would end the Filename field of Packages and start a forged SHA256 line
  await copyFile(join(mirror, 'ubuntu/jammy/pkg-config_0.29.2-1ubuntu3_amd64.deb'),
    join(mirror, 'ubuntu/jammy/evil\nSHA256: 00_1.0_amd64.deb'));
  site = join(base, 'site');
  server = await startNginx(base);
  const node = (name: string, kernelVersion: string, osImage: string) => ({ metadata: { name },
    status: { nodeInfo: { kernelVersion, osImage, architecture: 'amd64' } } });
  await writeFile(join(base, 'nodes.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    node('ubuntu-1', KV, 'Ubuntu 22.04.3 LTS')] }));
  built = await cli(['build', '--mirror', mirror, '--out', site, '--base-url', `${server.url}site/`, '--nodes', join(base, 'nodes.json')]);
});
afterAll(async () => {
  await server?.stop();
  await rm(base, { recursive: true, force: true });
});

describe('a mirror with an RPM repo and an Ubuntu apt repo', () => {
  it('builds both; the file that is not a package is named and left out, exit 2', async () => {
    expect(built.code, built.stderr).toBe(2);
    expect(built.stderr).toMatch(/^error: ubuntu\/jammy\/broken_1\.0_amd64\.deb: not a readable Debian package \(.*\); skipped \[deb-not-deb\]$/m);
    // a FIFO (refused without blocking the build) and a directory named .deb: one line each
    expect(built.stderr).toMatch(/^error: ubuntu\/jammy\/fifo_1\.0_amd64\.deb: .*\(not a regular file\); skipped \[deb-not-deb\]$/m);
    expect(built.stderr).toMatch(/^error: ubuntu\/jammy\/dir_1\.0_amd64\.deb: .*\(it is a directory\); skipped \[deb-not-deb\]$/m);
    expect(built.stderr).toContain('error: ubuntu/jammy/evil\\x0aSHA256: 00_1.0_amd64.deb: the file name holds control characters');
    const index = await readFile(join(site, 'ubuntu/jammy/dists/stable/main/binary-amd64/Packages'), 'utf8');
    expect(index).not.toContain('evil');
    expect(index.match(/^SHA256: /gm)).toHaveLength(4);
    expect(built.stdout).toMatch(/ubuntu-jammy +4 packages {2}ubuntu\/jammy\/ {2}\[apt, Packages, Release, InRelease\]/);
    expect(built.stdout).toContain('\napt: 4 .deb files indexed in 1 repo, 4 left out (each named above).\n');
    const home = await readFile(join(site, 'index.html'), 'utf8');
    expect(home).toContain('data-apt-repo="ubuntu-jammy"');
    expect(await readdir(join(site, 'ubuntu/jammy'))).not.toContain('broken_1.0_amd64.deb');
    // the integrity page counts what was read and left out per apt repo, and names the file
    const verify = (await readFile(join(site, '_site/verify/index.html'), 'utf8')).replace(/<!--.*?-->/g, '');
    const row = /<tr data-apt-repo="ubuntu-jammy">(.*?)<\/tr>/s.exec(verify)![1]!.replace(/<[^>]+>/g, '|');
    expect(row.split('|').map((c) => c.trim()).filter(Boolean)).toEqual(['ubuntu-jammy', 'ubuntu/jammy/', '4', '4',
      expect.stringMatching(/ B$|KB$|KiB$/),
      'InRelease and Release.gpg signed by the site key']);
    expect(verify).toMatch(/<code>ubuntu\/jammy\/broken_1\.0_amd64\.deb<\/code>: not a readable Debian package/);
  });

  it('apt-get with only the generated .sources verifies the site key, updates and downloads the pool\'s headers', async () => {
    const root = join(base, 'apt-root');
    for (const d of ['etc/apt/sources.list.d', 'etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'var/lib/apt/lists/partial',
      'var/cache/apt/archives/partial', 'var/lib/dpkg']) await mkdir(join(root, d), { recursive: true });
    await writeFile(join(root, 'var/lib/dpkg/status'), '');
    const sources = await (await fetch(`${server.url}site/_site/repo-files/airgap-mirror.sources`)).text();
    expect(sources).toContain(`URIs: ${server.url}site/ubuntu/jammy/`);
    expect(sources).toContain('Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----');
    expect(sources).not.toContain('trusted');
    await writeFile(join(root, 'etc/apt/sources.list.d/airgap-mirror.sources'), sources);
    const u = await apt(root, ['update']);
    expect(u.code, u.stdout + u.stderr).toBe(0);
    expect(u.stdout + u.stderr).not.toMatch(/NO_PUBKEY|not signed|^W: /m);
    const r = await apt(root, ['install', '--download-only', '-y', '--no-install-recommends', `linux-headers-${KV}`, 'pkg-config']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await readdir(join(root, 'var/cache/apt/archives'))).filter((f) => f.endsWith('.deb')).sort()).toEqual([
      'libc6_2.35-0ubuntu3.5_amd64.deb', 'linux-headers-5.15.0-91-generic_5.15.0-91.101_amd64.deb',
      'linux-headers-5.15.0-91_5.15.0-91.101_all.deb', 'pkg-config_0.29.2-1ubuntu3_amd64.deb']);
  });

  it('the cluster page says what the Ubuntu pool\'s driver builds miss in this mirror', async () => {
    const page = await readFile(join(site, '_site/cluster/index.html'), 'utf8');
    // Ubuntu 22.04's GA kernel was built with gcc 11: the DOCA build installs gcc-11, which this mirror lacks
    expect(page).toContain(`apt: not ready, missing linux-image-${KV}, gcc-11; no gcc-N package`);
    const pkg = (name: string, extra: Record<string, string> = {}) => ({ Package: name, Version: '1', ...extra });
    const ready = aptPoolReadiness('p', KV, [pkg('pkg-config'), pkg(`linux-headers-${KV}`, { Depends: 'linux-headers-5.15.0-91, libc6' }),
      pkg('linux-headers-5.15.0-91'), pkg(`linux-image-${KV}`), pkg('gcc-12'), pkg('libc6')]);
    expect(ready.ok, ready.unmet.join('\n')).toBe(true);
    // every relation of the builds' closure must be met from the mirror too (apt's rules)
    const noLibc = aptPoolReadiness('p', KV, [pkg('pkg-config'), pkg(`linux-headers-${KV}`,
      { Depends: 'linux-headers-5.15.0-91, libc6 (>= 2.34)' }), pkg('linux-headers-5.15.0-91'), pkg(`linux-image-${KV}`)]);
    expect(noLibc.ok).toBe(false);
    expect(noLibc.unmet).toEqual([`linux-headers-${KV}_1_all depends on libc6 (>= 2.34)`]);
    expect(ready.gcc).toEqual(['gcc-12']);
    expect(ready.required.find((r) => r.name === `linux-modules-${KV}`)).toEqual({ name: `linux-modules-${KV}`, optional: true });
    expect(aptPoolReadiness('p', KV, [pkg(`linux-headers-${KV}`, { Depends: 'linux-headers-5.15.0-91' }), pkg('pkg-config'),
      pkg(`linux-image-${KV}`)]).ok, 'the common headers package is required too').toBe(false);
  });

  it('the runbooks give the repoConfig ConfigMap for Ubuntu pools, holding exactly the .sources apt used', async () => {
    const decode = (t: string) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    const sources = await readFile(join(site, '_site/repo-files/airgap-mirror.sources'), 'utf8');
    for (const [page, namespace] of [['mofed-doca-dtk', 'nvidia-network-operator'], ['precompiled-gpu-driver', 'nvidia-gpu-operator']]) {
      const html = await readFile(join(site, `_site/runbooks/${page}/index.html`), 'utf8');
      const blocks = [...html.matchAll(/<pre data-copy>([^<]*)<\/pre>/g)].map((m) => decode(m[1]!));
      const cm = YAML.parse(blocks.find((b) => b.includes('airgap-mirror.sources'))!);
      expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'repo-config', namespace } });
      expect(cm.data['airgap-mirror.sources']).toBe(sources);
    }
  });

  it('repo-files and repo-config --os ubuntu give the same .sources and .list as the site, and the same ConfigMap', async () => {
    const dir = join(base, 'sources.list.d');
    const files = await cli(['repo-files', '--site', site, '--os', 'ubuntu', '--out-dir', dir]);
    expect(files.code, files.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['airgap-mirror.list', 'airgap-mirror.sources']);
    for (const f of ['airgap-mirror.list', 'airgap-mirror.sources']) {
      expect(await readFile(join(dir, f), 'utf8'), f).toBe(await readFile(join(site, '_site/repo-files', f), 'utf8'));
    }
    expect(await readFile(join(dir, 'airgap-mirror.list'), 'utf8'))
      .toBe(`deb [arch=amd64 signed-by=/etc/apt/keyrings/airgap-mirror.asc] ${server.url}site/ubuntu/jammy/ stable main\n`);
    const cm = await cli(['repo-config', '--site', site, '--os', 'ubuntu', '--namespace', 'nvidia-gpu-operator']);
    expect(cm.code, cm.stderr).toBe(0);
    expect(YAML.parse(cm.stdout)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'repo-config', namespace: 'nvidia-gpu-operator' },
      data: { 'airgap-mirror.sources': await readFile(join(dir, 'airgap-mirror.sources'), 'utf8') } });
    // a site without apt repos (its manifest as a site built before apt was a format has it): one line, exit 1
    await mkdir(join(base, 'rpm-only'));
    const manifest = JSON.parse(await readFile(join(site, '.airgap-mirror-site.json'), 'utf8')) as Record<string, unknown>;
    delete manifest.aptRepos;
    await writeFile(join(base, 'rpm-only/.airgap-mirror-site.json'), JSON.stringify(manifest));
    const rpmOnly = await cli(['repo-files', '--site', join(base, 'rpm-only'), '--os', 'ubuntu']);
    expect(rpmOnly.code).toBe(1);
    expect(rpmOnly.stderr.trim()).toMatch(/^airgap-mirror: .*rpm-only has no apt repos: --os ubuntu needs a site built from a mirror with \.deb files$/);
    expect((await cli(['repo-files', '--site', site, '--os', 'debian'])).stderr).toContain('--os debian: expected rhel or ubuntu');
  });

  it('a page per .deb package: a person follows the home page to the headers, their dependencies and back', async () => {
    const browser = await launchBrowser();
    try {
      const w = await watchedPage(browser, server.url);
      await w.page.goto(`${server.url}site/`);
      await w.page.locator(`[data-apt-packages="ubuntu-jammy"] a`, { hasText: new RegExp(`^linux-headers-${KV}$`) }).click();
      await w.page.waitForURL(`**/_site/d/ubuntu-jammy/linux-headers-${KV}/`);
      expect(await w.page.locator('h1').innerText()).toBe(`linux-headers-${KV}`);
      const depends = w.page.locator('ul.deps[data-field="Depends"]');
      expect(await depends.locator('li').allInnerTexts()).toEqual([
        'linux-headers-5.15.0-91 → linux-headers-5.15.0-91 5.15.0-91.101 (all) ubuntu-jammy',
        'libc6 (>= 2.34) → libc6 2.35-0ubuntu3.5 (amd64) ubuntu-jammy']);
      expect(await w.page.locator('dl.fields').innerText()).toContain((await readFile(join(site,
        'ubuntu/jammy/dists/stable/main/binary-amd64/Packages'), 'utf8')).match(new RegExp(
        `Package: linux-headers-${KV}[\\s\\S]*?SHA256: (\\w+)`))![1]);
      await depends.locator('a[data-satisfied-by^="libc6 "]').click();
      await w.page.waitForURL('**/_site/d/ubuntu-jammy/libc6/#v-2.35-0ubuntu3.5-amd64');
      expect((await w.page.locator('ul.required-by li').allInnerTexts()).sort()).toEqual([
        `linux-headers-${KV} 5.15.0-91.101 (amd64) ubuntu-jammy`, 'pkg-config 0.29.2-1ubuntu3 (amd64) ubuntu-jammy']);
      expect(await w.page.locator('dl.fields').innerText()).toContain('Multi-Arch\nsame');
      // the download link is the file apt fetches
      const href = await w.page.locator('dl.fields a').first().getAttribute('href');
      const got = await fetch(new URL(href!, w.page.url()));
      expect(got.status).toBe(200);
      expect(Buffer.from(await got.arrayBuffer())).toEqual(await readFile(join(mirror, 'ubuntu/jammy/libc6_2.35-0ubuntu3.5_amd64.deb')));
      expect(w.consoleErrors).toEqual([]);
      // the file that is not a package has no page
      expect((await fetch(`${server.url}site/_site/d/ubuntu-jammy/broken/`)).status).toBe(404);
    } finally {
      await browser.close();
    }
  });

  it('read on reader threads, the .deb files give the same index and the same problem lines', async () => {
    // the mirror is below the threads' threshold: lower it so the packages go through them
    const threaded = await cli(['build', '--mirror', mirror, '--out', join(base, 'site-threads'), '--workers', '2',
      '--base-url', `${server.url}site/`, '--no-sign', '--repodata-only'],
    { env: { AIRGAP_MIRROR_THREADS_FROM_READS: '1' } });
    expect(threaded.code, threaded.stderr).toBe(2);
    expect(threaded.stdout).toMatch(/ on 2 threads /);
    const lines = (r: typeof built) => r.stderr.split('\n').filter((l) => l.startsWith('error: ubuntu/'));
    expect(lines(threaded)).toEqual(lines(built));
    const packages = (dir: string) =>
      readFile(join(dir, 'ubuntu/jammy/dists/stable/main/binary-amd64/Packages'), 'utf8');
    expect(await packages(join(base, 'site-threads'))).toBe(await packages(site));
  });

  it('a rebuild takes unchanged .deb files from the cache and reads only what changed', async () => {
    const out = join(base, 'site-inc');
    const build = async () => {
      const r = await cli(['build', '--mirror', mirror, '--out', out, '--no-sign', '--repodata-only']);
      expect(r.code, r.stderr).toBe(2); // the files that are not packages are still named
      return { hits: Number(/\((\d+) from the cache/.exec(r.stdout)![1]), packages: await readFile(
        join(out, 'ubuntu/jammy/dists/stable/main/binary-amd64/Packages'), 'utf8'), problems: r.stderr };
    };
    const first = await build();
    expect(first.hits).toBe(0);
    const again = await build();
    expect(again.hits).toBe(5); // the 4 packages and the RPM
    expect(again.packages).toBe(first.packages);
    expect(again.problems).toBe(first.problems);
    // a new version of one package at the same path: read again, the other 3 from the cache
    const byHash = join(out, 'ubuntu/jammy/dists/stable/main/binary-amd64/by-hash/SHA256');
    const liveXz = await readFile(join(out, 'ubuntu/jammy/dists/stable/main/binary-amd64/Packages.xz'));
    const liveSha = createHash('sha256').update(liveXz).digest('hex');
    await deb('pkg-config', '0.29.2-1ubuntu3', 'amd64',
      'Depends: libc6 (>= 2.34)\nHomepage: https://example.invalid/pc\n');
    const changed = await build();
    expect(changed.hits).toBe(4);
    // an apt client that read the replaced InRelease still gets the index it names, by hash, over nginx
    const release = await readFile(join(out, 'ubuntu/jammy/dists/stable/Release'), 'utf8');
    expect(release).not.toContain(liveSha);
    const served = await fetch(
      `${server.url}site-inc/ubuntu/jammy/dists/stable/main/binary-amd64/by-hash/SHA256/${liveSha}`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(liveXz)).toBe(true);
    // kept one build only: the next build keeps what this one's Release names, not the older ones
    await build();
    expect(await readdir(byHash)).not.toContain(liveSha);
    expect(changed.packages).toContain('Homepage: https://example.invalid/pc');
    const fileFields = /^(Size|MD5sum|SHA256): .*\n/gm;
    expect(changed.packages.replace(fileFields, '').replace('Homepage: https://example.invalid/pc\n', ''))
      .toBe(first.packages.replace(fileFields, ''));
  });

  it('dnf still reads the RPM repo of the same site', async () => {
    const q = await run('dnf', ['-q', '-y', '--releasever', '9', '--setopt=reposdir=/dev/null', `--setopt=cachedir=${join(base, 'dnf')}`,
      `--repofrompath=b,${server.url}site/ubi8/baseos/`, '--repo=b', '--setopt=gpgcheck=0', '--forcearch', 'aarch64',
      '--noplugins', 'repoquery', '--qf', '%{name}']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout.trim()).toBe('hostname');
  });
});
