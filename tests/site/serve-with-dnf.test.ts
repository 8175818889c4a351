/**
 * The main job end to end: the CLI builds the sample site, nginx serves it on 127.0.0.1,
 * and dnf uses every repo as its baseurl: lists, resolves and downloads with dependencies
 * (checksums verified by dnf), installs a noarch package into an --installroot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSampleSite, SAMPLE_REPOS } from '../helpers/sample-site.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { dnf, type RepoMap } from '../helpers/dnf.ts';
import { SAMPLE_MIRROR } from '../helpers/cli.ts';

let out: string;
let stdout: string;
let server: Nginx;
let repos: RepoMap;
beforeAll(async () => {
  const built = await buildSampleSite(['--base-url', 'http://infra.server.lab:5443/']);
  expect(built.result.code, built.result.stderr).toBe(0);
  out = built.out;
  stdout = built.result.stdout;
  server = await startNginx(out);
  repos = Object.fromEntries(SAMPLE_REPOS.map((r) => [r.replace('/', '-'), `${server.url}${r}/`]));
});
afterAll(async () => {
  await server?.stop();
  await rm(join(out, '..'), { recursive: true, force: true });
});

describe('airgap-mirror build on the sample mirror', () => {
  it('prints a summary naming every repo', () => {
    // 6 RPM repos of 25 packages and the Ubuntu-shaped apt repo of 7
    expect(stdout).toMatch(/Built .*: 7 repos, 32 packages/);
    for (const r of SAMPLE_REPOS) expect(stdout).toContain(`${r}/`);
    expect(stdout).toMatch(/ubuntu-jammy +7 packages {2}ubuntu\/jammy\/ {2}\[apt, Packages, Release, InRelease\]/);
  });

  it('hard-links the packages from the mirror', async () => {
    const a = await stat(join(out, 'ubi9/baseos/Packages/hostname-3.23-6.el9.aarch64.rpm'));
    const b = await stat(join(SAMPLE_MIRROR, 'ubi9/baseos/Packages/hostname-3.23-6.el9.aarch64.rpm'));
    expect(a.ino).toBe(b.ino);
  });
});

describe('dnf against the site served by nginx', () => {
  it('lists every repo with its packages', async () => {
    const r = await dnf(repos, ['repolist', '-v'], { arch: 'aarch64' });
    expect(r.code, r.stderr).toBe(0);
    for (const id of Object.keys(repos)) expect(r.stdout).toMatch(new RegExp(`Repo-id\\s*: ${id}\\n`));
    const counts = [...r.stdout.matchAll(/Repo-pkgs\s*: (\d+)/g)].map((m) => Number(m[1]));
    expect(counts.reduce((s, n) => s + n, 0)).toBe(25);
  });

  it('resolves and downloads kernel-devel with its dependencies', async () => {
    const dest = await mkdtemp(join(tmpdir(), 'airgap-dl-'));
    const root = await mkdtemp(join(tmpdir(), 'airgap-root-'));
    const r = await dnf(repos, ['download', '--resolve', '--installroot', root, '--destdir', dest, 'kernel-devel'], { arch: 'aarch64' });
    expect(r.code, r.stderr).toBe(0);
    const files = (await readdir(dest)).sort();
    expect(files).toEqual(expect.arrayContaining([
      'kernel-devel-5.14.0-427.87.1.el9_4.aarch64.rpm', 'kernel-headers-5.14.0-427.87.1.el9_4.aarch64.rpm',
      'elfutils-libelf-devel-0.190-2.el9.aarch64.rpm', 'elfutils-libelf-0.190-2.el9.aarch64.rpm',
      'hostname-3.23-6.el9.aarch64.rpm', 'coreutils-8.32-35.el9.aarch64.rpm',
    ]));
    await rm(dest, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  it('installs a noarch package into an --installroot', async () => {
    const root = await mkdtemp(join(tmpdir(), 'airgap-root-'));
    const r = await dnf({ cuda: repos['cuda-rhel9-aarch64']! }, ['install', '-y', '--installroot', root, 'cuda-toolkit-config-common']);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(root, 'etc/ld.so.conf.d/cuda-toolkit.conf'), 'utf8')).toBe('/usr/local/cuda/lib64\n');
    await rm(root, { recursive: true, force: true });
  });
});

describe('pages', () => {
  it('home lists every repo with a .repo snippet on the base URL', async () => {
    const html = await (await fetch(server.url)).text();
    for (const r of SAMPLE_REPOS) expect(html).toContain(`baseurl=http://infra.server.lab:5443/${r}/`);
    expect(html).toContain('gpgkey=http://infra.server.lab:5443/cuda-rhel9-aarch64/');
  });

  it.each(SAMPLE_REPOS)('%s/ serves an index page for the repo', async (r) => {
    const res = await fetch(`${server.url}${r}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`<code>${r.replace('/', '-')}</code>`);
  });

  it('shows HTML-like package text escaped, never as markup', async () => {
    const lsof = await (await fetch(`${server.url}_site/p/ubi9-baseos/lsof/`)).text();
    expect(lsof).toContain('&lt;script&gt;alert(&quot;lsof&quot;)&lt;/script&gt;');
    expect(lsof).not.toMatch(/<script>alert/);
    const hostname = await (await fetch(`${server.url}_site/p/ubi9-baseos/hostname/`)).text();
    expect(hostname).toContain('Größe, naïve café, Ελληνικά, 日本語');
  });
});
