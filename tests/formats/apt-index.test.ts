/**
 * The apt index writer (scripts/formats/deb/apt-index.ts) judged by apt itself: packages built
 * in the test with dpkg-deb, read by our reader, indexed and signed with a site key, served by
 * nginx; real apt-get in an isolated root (Signed-By the site key inline, no trusted=yes) updates,
 * shows the same fields as apt-ftparchive's index of the same files, and downloads a package with
 * its dependencies; a changed byte of InRelease makes apt refuse the repository.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readDeb } from '../../scripts/formats/deb/read-deb.ts';
import { writeAptIndex, type AptPackage } from '../../scripts/formats/deb/apt-index.ts';
import { createSiteKey, type SigningKey } from '../../scripts/trust/site-key.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { run } from '../helpers/run.ts';
import { ROOT } from '../helpers/cli.ts';

let base: string, repo: string, server: Nginx, key: SigningKey;

/** Builds `name` with dpkg-deb into the repo's pool; returns its file name. */
async function deb(name: string, version: string, fields = ''): Promise<string> {
  const root = join(base, `root-${name}`);
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await mkdir(join(root, `usr/share/${name}`), { recursive: true });
  await writeFile(join(root, `usr/share/${name}/README`), `${name}\n`);
  await writeFile(join(root, 'DEBIAN/control'), `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\n`
    + `Maintainer: Test <test@example.invalid>\nSection: devel\nPriority: optional\n${fields}`
    + `Description: stand-in ${name}\n A stand-in package for airgap-mirror's apt tests.\n`);
  const file = `${name}_${version}_amd64.deb`;
  const r = await run('dpkg-deb', ['--root-owner-group', '--build', root, join(repo, 'pool', file)]);
  expect(r.code, r.stderr).toBe(0);
  return file;
}

/** apt-get with everything under `root` (no system state touched), as root without sandbox user. */
function apt(root: string, args: string[], tool = 'apt-get') {
  return run(tool, ['-o', `Dir=${root}`, '-o', `Dir::State::status=${join(root, 'var/lib/dpkg/status')}`,
    '-o', 'APT::Architecture=amd64', '-o', 'APT::Sandbox::User=root', '-o', 'Debug::NoLocking=1', ...args]);
}

/** An isolated apt root whose only source is `uri` (deb822, Signed-By the site key inline). */
async function aptRoot(name: string, uri: string): Promise<string> {
  const root = join(base, name);
  for (const d of ['etc/apt/sources.list.d', 'etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'var/lib/apt/lists/partial',
    'var/cache/apt/archives/partial', 'var/lib/dpkg']) await mkdir(join(root, d), { recursive: true });
  await writeFile(join(root, 'var/lib/dpkg/status'), '');
  const inline = key.publicArmored.trim().split('\n').map((l) => ` ${l || '.'}`).join('\n');
  await writeFile(join(root, 'etc/apt/sources.list.d/airgap-mirror.sources'),
    `Types: deb\nURIs: ${uri}\nSuites: stable\nComponents: main\nArchitectures: amd64\nSigned-By:\n${inline}\n`);
  return root;
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-apt-'));
  repo = join(base, 'repo');
  await mkdir(join(repo, 'pool'), { recursive: true });
  key = await createSiteKey(join(base, 'key'));
  const files: string[] = [await deb('pkg-config', '1.8.1-1'), await deb('libfoo1', '2.0-3', 'Multi-Arch: same\n'),
    await deb('linux-headers-5.15.0-91-generic', '5.15.0-91.101', 'Depends: libfoo1 (>= 2.0), pkg-config | pkgconf\n'
      + 'Provides: linux-headers\n')];
  // and real packages from Debian's archive (tests/fixtures/real-debs)
  for (const f of await readdir(join(ROOT, 'tests/fixtures/real-debs'))) {
    if (f.endsWith('.deb')) files.push(f), await copyFile(join(ROOT, 'tests/fixtures/real-debs', f), join(repo, 'pool', f));
  }
  const packages: AptPackage[] = [];
  for (const f of files) packages.push({ deb: await readDeb(join(repo, 'pool', f)), filename: `pool/${f}` });
  await writeAptIndex(repo, packages, { suite: 'stable', component: 'main', origin: 'airgap-mirror', label: 'test',
    date: new Date(), signingKey: key });
  server = await startNginx(base);
});
afterAll(async () => {
  await server?.stop();
  await rm(base, { recursive: true, force: true });
});

describe('the apt index', () => {
  it('apt-get update verifies InRelease with the inline Signed-By key; apt-cache shows apt-ftparchive\'s fields', async () => {
    const root = await aptRoot('apt-good', `${server.url}repo/`);
    const u = await apt(root, ['update']);
    expect(u.code, u.stdout + u.stderr).toBe(0);
    expect(u.stdout + u.stderr).not.toMatch(/NO_PUBKEY|not signed|W: /);
    const ftp = await run('apt-ftparchive', ['packages', 'pool'], { cwd: repo });
    expect(ftp.code, ftp.stderr).toBe(0);
    const theirs = new Map(ftp.stdout.trim().split('\n\n').map((s) => [/^Package: (.+)$/m.exec(s)![1]!, s]));
    for (const [name, stanza] of theirs) {
      const show = await apt(root, ['show', name], 'apt-cache');
      expect(show.code, show.stderr).toBe(0);
      const field = (text: string, k: string) => new RegExp(`^${k}: (.*(?:\\n .*)*)$`, 'm').exec(text)?.[1];
      for (const k of ['Package', 'Version', 'Architecture', 'Maintainer', 'Installed-Size', 'Depends', 'Pre-Depends', 'Provides',
        'Multi-Arch', 'Section', 'Priority', 'Source', 'Homepage', 'Breaks', 'Replaces', 'Conflicts', 'Description', 'Filename',
        'Size', 'MD5sum', 'SHA256']) {
        expect(field(show.stdout, k), `${name} ${k}`).toBe(field(stanza, k));
      }
    }
  });

  it('apt-get install --download-only fetches a package and its dependencies, checked against the index', async () => {
    const root = await aptRoot('apt-install', `${server.url}repo/`);
    expect((await apt(root, ['update'])).code).toBe(0);
    const r = await apt(root, ['install', '--download-only', '-y', '--no-install-recommends', 'linux-headers-5.15.0-91-generic']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await readdir(join(root, 'var/cache/apt/archives'))).filter((f) => f.endsWith('.deb')).sort()).toEqual([
      'libfoo1_2.0-3_amd64.deb', 'linux-headers-5.15.0-91-generic_5.15.0-91.101_amd64.deb', 'pkg-config_1.8.1-1_amd64.deb']);
  });

  it('by-hash copies are what Release names; gpgv verifies Release.gpg; a changed InRelease is refused', async () => {
    const release = await readFile(join(repo, 'dists/stable/Release'), 'utf8');
    const sha = /^ ([0-9a-f]{64}) +\d+ main\/binary-amd64\/Packages\.gz$/m.exec(release)![1]!;
    expect(await readdir(join(repo, 'dists/stable/main/binary-amd64/by-hash/SHA256'))).toContain(sha);
    // Packages.xz (what apt fetches first): xz itself decodes it to Packages; Release and by-hash have it
    const packages = await readFile(join(repo, 'dists/stable/main/binary-amd64/Packages'));
    const unxz = await run('xz', ['-dc', join(repo, 'dists/stable/main/binary-amd64/Packages.xz')]);
    expect(unxz.code, unxz.stderr).toBe(0);
    expect(Buffer.from(unxz.stdout)).toEqual(packages);
    const xzSha = /^ ([0-9a-f]{64}) +\d+ main\/binary-amd64\/Packages\.xz$/m.exec(release)![1]!;
    expect(await readdir(join(repo, 'dists/stable/main/binary-amd64/by-hash/SHA256'))).toContain(xzSha);
    // Contents: every shipped path with its section/package, listed in Release
    const contents = gunzipSync(await readFile(join(repo, 'dists/stable/main/Contents-amd64.gz'))).toString();
    expect(contents).toMatch(/^usr\/bin\/hello +devel\/hello$/m);
    expect(contents).toMatch(/^usr\/share\/doc\/sensible-utils\/copyright +\S+\/sensible-utils$/m);
    expect(release).toMatch(/^ [0-9a-f]{64} +\d+ main\/Contents-amd64\.gz$/m);
    await writeFile(join(base, 'key.asc'), key.publicArmored);
    expect((await run('gpg', ['--batch', '--yes', '--dearmor', '--output', join(base, 'ring.gpg'), join(base, 'key.asc')])).code).toBe(0);
    const v = await run('gpgv', ['--keyring', join(base, 'ring.gpg'), join(repo, 'dists/stable/Release.gpg'), join(repo, 'dists/stable/Release')]);
    expect(v.code, v.stderr).toBe(0);
    const evil = join(base, 'evil');
    await run('cp', ['-a', repo, evil]);
    const inRelease = join(evil, 'dists/stable/InRelease');
    await writeFile(inRelease, (await readFile(inRelease, 'utf8')).replace('Label: test', 'Label: evil'));
    await rm(join(evil, 'dists/stable/Release.gpg'));
    const root = await aptRoot('apt-evil', `${server.url}evil/`);
    const u = await apt(root, ['update']);
    expect(u.stdout + u.stderr).toMatch(/The following signatures were invalid: BADSIG|is not signed/);
    expect((await readdir(join(root, 'var/lib/apt/lists'))).filter((f) => f.includes('Packages'))).toEqual([]);
  });
});
