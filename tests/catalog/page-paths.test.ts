/** Page paths from hostile names: one page per name, never a special or outside path segment. */
import { describe, expect, it } from 'vitest';
import { packagePagePath, slug } from '../../scripts/catalog/page-paths.ts';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, REAL_RPMS, SAMPLE_MIRROR } from '../helpers/cli.ts';

describe('slug', () => {
  const deep = Array.from({ length: 30 }, (_, i) => `segment${i}`).join('-');
  const names = [deep, `${deep}x`, 'a<b', 'a>b', 'a_b', 'a~3cb', '.', '..', '.hidden', '', '~', 'né', 'n\u00e9', 'x/../../etc', '<script>', 'a\nb',
    'kernel-64k-devel', 'gcc-c++', 'python3.11'];
  it('is one to one and keeps ordinary RPM names as they are', () => {
    const slugs = names.map(slug);
    expect(new Set(slugs).size).toBe(new Set(names).size);
    expect(slugs.slice(-3)).toEqual(['kernel-64k-devel', 'gcc-c++', 'python3.11']);
    expect(slug('a<b')).toBe('a~3cb');
    expect(slug(deep)).toHaveLength(117); // a deep repo path as id: cut, with a hash, under NAME_MAX
  });
  it('never yields ".", "..", a leading dot, a slash, markup or a control character', () => {
    for (const n of names) {
      const s = slug(n);
      expect(s).toMatch(/^[A-Za-z0-9_+~-][A-Za-z0-9._+~=-]*$/);
      expect(packagePagePath('repo', n).split('/').slice(0, -1)).toHaveLength(4);
    }
  });
});

describe('packages with hostile names in a build', () => {
  it('each gets its own page inside _site/p/, the name shown as text (crafted headers, --keep-corrupt)', async () => {
    const base = await mkdtemp(join(tmpdir(), 'airgap-names-'));
    try {
      const src = await readFile(`${REAL_RPMS}/Archer-3.4.5-6.x86_64.rpm`);
      const sigLen = 16 + 16 * src.readUInt32BE(104) + src.readUInt32BE(108);
      const main = 96 + sigLen + ((8 - (sigLen % 8)) % 8);
      const il = src.readUInt32BE(main + 8);
      const nameAt = [...Array(il).keys()].map((i) => main + 16 + 16 * i).find((p) => src.readUInt32BE(p) === 1000)!;
      const store = main + 16 + 16 * il + src.readUInt32BE(nameAt + 8);
      await mkdir(join(base, 'm/r'), { recursive: true });
      const names = ['..', '.', 'a<b', 'a>b', '<i>x'];
      for (const [i, n] of names.entries()) {
        const b = Buffer.from(src);
        b.fill(0, store, store + 6).write(n, store); // NAME "Archer" becomes n (the header digest no longer matches)
        await writeFile(join(base, `m/r/p${i}.rpm`), b);
      }
      const r = await cli(['build', '--mirror', join(base, 'm'), '--out', join(base, 'out'), '--keep-corrupt', '--no-cache']);
      expect(r.code, r.stderr).toBe(2);
      expect((await readdir(join(base, 'out/_site/p/r'))).sort()).toEqual(names.map(slug).sort());
      expect(await readdir(join(base, 'out/_site/p'))).toEqual(['r']);
      const page = await readFile(join(base, 'out', packagePagePath('r', '<i>x'), 'index.html'), 'utf8');
      expect(page).toContain('&lt;i&gt;x');
      // the raw name appears only inside quoted attribute values (Pagefind's title), never as markup
      expect(page.split('<i>x').length).toBe(page.split('="title:<i>x').length);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a repo 30 directories deep', () => {
  it('builds, and builds again from its cache (ids, page and cache file names stay under NAME_MAX)', async () => {
    const base = await mkdtemp(join(tmpdir(), 'airgap-deep-'));
    try {
      const repo = Array.from({ length: 30 }, (_, i) => `segment${String(i).padStart(2, '0')}`).join('/');
      await mkdir(join(base, 'm', repo), { recursive: true });
      await copyFile(join(SAMPLE_MIRROR, 'ubi9/baseos/Packages/hostname-3.23-6.el9.aarch64.rpm'), join(base, 'm', repo, 'hostname-3.23-6.el9.aarch64.rpm'));
      for (const n of [1, 2]) {
        const r = await cli(['build', '--mirror', join(base, 'm'), '--out', join(base, 'out')]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain(n === 1 ? '0 from the cache' : '1 from the cache');
      }
      expect(await readdir(join(base, 'out', repo))).toContain('repodata');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  }, 60_000);
});
