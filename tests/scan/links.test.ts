/**
 * Links and paths out of the mirror tree (issue 16): packages reached through symbolic links
 * (a pool layout's relative link, an absolute link to a file outside the tree) are served as
 * real files, read by dnf and carried in a bundle; a key file or `repomd.xml.asc` linked to a
 * file outside the tree, and a repomd.xml entry whose href climbs out with `../` (with a
 * matching checksum), are named and never published.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { copyFile, cp, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { dnf } from '../helpers/dnf.ts';
import { run, type RunResult } from '../helpers/run.ts';
import { treeHash } from '../helpers/tree-hash.ts';

let base: string, mirror: string, site: string, result: RunResult, before: string;
const SECRET = 'root-only secret\n';

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-links-'));
  mirror = join(base, 'mirror');
  const outside = join(base, 'outside');
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'secret.txt'), SECRET);
  // pool layout: Packages/ holds links into a pool, relative and absolute
  await mkdir(join(mirror, 'pool'), { recursive: true });
  await mkdir(join(mirror, 'pooled/Packages'), { recursive: true });
  const baseos = join(SAMPLE_MIRROR, 'ubi9/baseos/Packages');
  await copyFile(join(baseos, 'hostname-3.23-6.el9.aarch64.rpm'), join(mirror, 'pool/hostname-3.23-6.el9.aarch64.rpm'));
  await symlink('../../pool/hostname-3.23-6.el9.aarch64.rpm', join(mirror, 'pooled/Packages/hostname-3.23-6.el9.aarch64.rpm'));
  await copyFile(join(baseos, 'lsof-4.94.0-3.el9.aarch64.rpm'), join(outside, 'lsof-4.94.0-3.el9.aarch64.rpm'));
  await symlink(join(outside, 'lsof-4.94.0-3.el9.aarch64.rpm'), join(mirror, 'pooled/Packages/lsof-4.94.0-3.el9.aarch64.rpm'));
  // upstream repodata with a signature and a key linked out of the tree, and an href that climbs out
  const repo = join(mirror, 'signed');
  await cp(join(SAMPLE_MIRROR, 'ubi9/appstream'), repo, { recursive: true });
  await symlink(join(outside, 'secret.txt'), join(repo, 'repodata/repomd.xml.asc'));
  await symlink(join(outside, 'secret.txt'), join(repo, 'RPM-GPG-KEY-evil'));
  const repomd = await readFile(join(repo, 'repodata/repomd.xml'), 'utf8');
  const sum = createHash('sha256').update(SECRET).digest('hex');
  await writeFile(join(repo, 'repodata/repomd.xml'), repomd.replace('</repomd>',
    `  <data type="evil">\n    <checksum type="sha256">${sum}</checksum>\n    <location href="../../outside/secret.txt"/>\n  </data>\n</repomd>`));
  site = join(base, 'site');
  before = await treeHash(mirror);
  result = await cli(['build', '--mirror', mirror, '--out', site, '--repodata', 'auto', '--repodata-only']);
});
afterAll(async () => { await rm(base, { recursive: true, force: true }); });

describe('links out of the mirror tree', () => {
  it('names each unpublishable input once, exit 2, and leaves the mirror unchanged', () => {
    expect(result.code, result.stderr + result.stdout).toBe(2);
    for (const file of ['signed/repodata/repomd.xml.asc', 'signed/RPM-GPG-KEY-evil', 'signed/../../outside/secret.txt']) {
      const lines = result.stderr.split('\n').filter((l) => l.startsWith(`error: ${file}:`));
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/; not published \[input-outside-mirror\]$/);
    }
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('never copies the linked-out files into the site', async () => {
    // the repomd.xml.asc there is the build's own signature, never the linked-out file
    expect(await readFile(join(site, 'signed/repodata/repomd.xml.asc'), 'utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
    await expect(stat(join(site, 'signed/RPM-GPG-KEY-evil'))).rejects.toThrow();
    const r = await run('grep', ['-rl', 'root-only secret', site]);
    expect(r.stdout).toBe('');
    expect(await treeHash(mirror)).toBe(before);
  });

  it('serves packages reached through relative and absolute links as real files dnf reads, and bundles them', async () => {
    for (const n of ['hostname-3.23-6.el9.aarch64.rpm', 'lsof-4.94.0-3.el9.aarch64.rpm']) {
      expect((await lstat(join(site, 'pooled/Packages', n))).isFile(), n).toBe(true);
    }
    const q = await dnf({ p: join(site, 'pooled') }, ['repoquery', '--qf', '%{name}'], { arch: 'aarch64' });
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout.trim().split('\n').sort()).toEqual(['hostname', 'lsof']);
    const dl = await dnf({ p: join(site, 'pooled') }, ['download', '--destdir', join(base, 'dl'), 'lsof'], { arch: 'aarch64' });
    expect(dl.code, dl.stderr).toBe(0);
    const bundle = join(base, 'site.tar');
    expect((await cli(['bundle', '--site', site, '--out', bundle])).code).toBe(0);
    const list = await run('tar', ['-tf', bundle]);
    expect(list.stdout).toContain('site/pooled/Packages/lsof-4.94.0-3.el9.aarch64.rpm');
    expect((await cli(['verify', bundle])).code).toBe(0);
  });
});
