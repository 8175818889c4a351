/**
 * Carrying the site across the gap: bundle → system tar → sha256sum -c → served by nginx for
 * dnf; byte-identical bundles; one flipped byte found and named (volume, archive, extracted
 * file); full(v1) + delta(v1→v2) equals full(v2) file for file, with a delta of about the
 * changed share of the data; apply refuses a wrong base.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { run } from '../helpers/run.ts';
import { startNginx } from '../helpers/nginx.ts';
import { dnf } from '../helpers/dnf.ts';
import { makeCorpus } from '../../scripts/bench/make-corpus.ts';
import { readListedFile } from '../../scripts/bundle/manifest.ts';

let base: string, site: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-bundle-'));
  site = join(base, 'site');
  const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', site]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => { await rm(base, { recursive: true, force: true }); });
const dir = (n: string) => join(base, n);

/** File list and contents of a tree, ignoring mtimes (bundles fix them). */
async function contents(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of (await readdir(join(root, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p);
      else out.push(`${p} ${(await readFile(join(root, p))).toString('base64')}`);
    }
  };
  await walk('');
  return out;
}

async function extract(bundle: string, to: string) {
  await mkdir(to, { recursive: true });
  const r = await run('tar', ['-xf', bundle, '-C', to, ...(bundle.endsWith('.zst') ? ['--zstd'] : [])]);
  expect(r.code, r.stderr).toBe(0);
}

describe('round trip', () => {
  it('system tar extracts it, sha256sum -c passes, the tree equals the site, and dnf works against it', async () => {
    const b = await cli(['bundle', '--site', site, '--out', dir('full.tar')]);
    expect(b.code, b.stderr).toBe(0);
    await extract(dir('full.tar'), dir('x'));
    const sums = await run('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir('x') });
    expect(sums.code, sums.stdout + sums.stderr).toBe(0);
    expect(await contents(join(dir('x'), 'site'))).toEqual(await contents(site));
    const server = await startNginx(join(dir('x'), 'site'));
    try {
      const q = await dnf({ u: `${server.url}ubi9/baseos/`, k: `${server.url}rhocp-4.18-for-rhel-9-aarch64-rpms/` }, ['repoquery', '--qf', '%{name}'], { arch: 'aarch64' });
      expect(q.code, q.stderr).toBe(0);
      expect(q.stdout).toContain('kernel-devel');
      expect(q.stdout.trim().split('\n')).toHaveLength(11); // 6 + 6 packages, kernel and its src.rpm print one name
    } finally {
      await server.stop();
    }
  });

  it('two bundles of the same site are byte-identical (plain and zstd)', async () => {
    for (const ext of ['tar', 'tar.zst']) {
      await cli(['bundle', '--site', site, '--out', dir(`a.${ext}`)]);
      await cli(['bundle', '--site', site, '--out', dir(`b.${ext}`)]);
      expect((await readFile(dir(`a.${ext}`))).equals(await readFile(dir(`b.${ext}`))), ext).toBe(true);
    }
    expect((await stat(dir('a.tar.zst'))).size).toBeLessThan((await stat(dir('a.tar'))).size);
  });

  it('split volumes rejoin with cat, each checks with sha256sum -c, and verify passes', async () => {
    const b = await cli(['bundle', '--site', site, '--out', dir('vol.tar'), '--split', '200KB']);
    expect(b.code, b.stderr).toBe(0);
    const vols = (await readdir(base)).filter((n) => n.startsWith('vol.tar.part-')).sort();
    expect(vols.length).toBeGreaterThan(3);
    expect((await run('sha256sum', ['-c', 'vol.tar.parts.sha256'], { cwd: base })).code).toBe(0);
    const joined = Buffer.concat(await Promise.all(vols.map((v) => readFile(dir(v)))));
    expect(joined.equals(await readFile(dir('full.tar')))).toBe(true);
    const v = await cli(['verify', dir('vol.tar')]);
    expect(v.code, v.stderr).toBe(0);
  });
});

describe('one flipped byte is found and named', () => {
  const flip = async (file: string, at: number) => {
    const b = await readFile(file);
    b[at] = b[at]! ^ 0xff;
    await writeFile(file, b);
  };

  it('in a volume: verify names the volume', async () => {
    await cli(['bundle', '--site', site, '--out', dir('fv.tar.zst'), '--split', '100KB']);
    await flip(dir('fv.tar.zst.part-001'), 5000);
    const v = await cli(['verify', dir('fv.tar.zst')]);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('bad volume: fv.tar.zst.part-001: sha256 does not match its checksum file');
  });

  it('inside a packaged file of a single-file bundle: verify names that file', async () => {
    await cp(dir('full.tar'), dir('flip.tar'));
    const bytes = await readFile(dir('flip.tar'));
    const at = bytes.indexOf(Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<repomd'));
    expect(at).toBeGreaterThan(0);
    await flip(dir('flip.tar'), at + 60);
    const v = await cli(['verify', dir('flip.tar')]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/^corrupted: site\/\S+\/repodata\/repomd\.xml: sha256 does not match the manifest$/m);
  });

  it('in an extracted tree: verify names corrupted, missing and extra files', async () => {
    await extract(dir('full.tar'), dir('y'));
    const rpm = 'site/ubi9/baseos/Packages/lsof-4.94.0-3.el9.aarch64.rpm';
    await flip(join(dir('y'), rpm), 300);
    await rm(join(dir('y'), 'site/ubi8/baseos/repodata/repomd.xml'));
    await writeFile(join(dir('y'), 'site/stray.txt'), 'x');
    const v = await cli(['verify', dir('y')]);
    expect(v.code).toBe(2);
    expect(v.stderr.trim().split('\n').sort()).toEqual([`corrupted: ${rpm}: sha256 does not match the manifest`, 'extra: site/stray.txt', 'missing: site/ubi8/baseos/repodata/repomd.xml']);
    const sums = await run('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir('y') });
    expect(sums.code).not.toBe(0);
  });
});

describe('delta updates', () => {
  it('full(v1) + delta(v1→v2) equals full(v2); the delta is small; a wrong base is refused', async () => {
    // 100 packages of ~200 KB; v2 replaces one of them (1% of the packages)
    const corpus = dir('corpus');
    await makeCorpus(corpus, 101, () => {}, { payloadBytes: 200_000 });
    const v1 = dir('m1'), v2 = dir('m2');
    const pkgs = (await readdir(join(corpus, 'Packages'))).sort();
    for (const [m, list] of [[v1, pkgs.slice(0, 100)], [v2, pkgs.slice(1, 101)]] as const) {
      await mkdir(join(m, 'repo/Packages'), { recursive: true });
      for (const p of list) await cp(join(corpus, 'Packages', p!), join(m, 'repo/Packages', p!), { preserveTimestamps: true });
    }
    // one site key for both (as rebuilds into one --out have): only what changed differs
    expect((await cli(['key', 'create', '--out', dir('delta-key')])).code).toBe(0);
    for (const [m, s] of [[v1, 's1'], [v2, 's2']] as const) {
      expect((await cli(['build', '--mirror', m, '--out', dir(s), '--signing-key', join(dir('delta-key'), 'site-key.asc')])).code).toBe(0);
    }
    await cli(['bundle', '--site', dir('s1'), '--out', dir('v1.tar')]);
    await cli(['bundle', '--site', dir('s2'), '--out', dir('v2.tar')]);
    await extract(dir('v1.tar'), dir('e1'));
    await extract(dir('v2.tar'), dir('e2'));
    const d = await cli(['bundle', '--site', dir('s2'), '--out', dir('d12.tar'), '--since', join(dir('e1'), 'airgap-mirror-manifest.json')]);
    expect(d.code, d.stderr).toBe(0);
    expect((await cli(['verify', dir('d12.tar')])).code).toBe(0);
    const a = await cli(['apply', dir('d12.tar'), '--to', dir('e1')]);
    expect(a.code, a.stderr).toBe(0);
    expect(await contents(dir('e1'))).toEqual(await contents(dir('e2')));
    const ratio = (await stat(dir('d12.tar'))).size / (await stat(dir('v2.tar'))).size;
    // 2.9% before the site had an SBOM; like repodata, the SBOM describes the whole site and is carried
    // whole (about 0.2% here): changed packages, repodata, SBOM and pages stay under 3.5%
    expect(ratio).toBeLessThan(0.035);
    const again = await cli(['apply', dir('d12.tar'), '--to', dir('e1')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('was made for a different base');
    expect(await contents(dir('e1'))).toEqual(await contents(dir('e2')));
    process.stdout.write(`delta/full size ratio for a 1% change: ${(ratio * 100).toFixed(2)}%\n`);
  });
});

describe('readListedFile', () => {
  it('returns exactly the listed bytes, and another length when the file changed size since it was listed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airgap-listed-'));
    try {
      const file = join(dir, 'page.html');
      const bytes = Buffer.from('<p>é€😀</p>\n'.repeat(500));
      await writeFile(file, bytes);
      expect(readListedFile(file, bytes.length).equals(bytes)).toBe(true);
      expect(readListedFile(file, bytes.length - 1).length).not.toBe(bytes.length - 1); // grew since listed
      expect(readListedFile(file, bytes.length + 7).length).toBe(bytes.length); // shrank since listed
      await writeFile(file, '');
      expect(readListedFile(file, 0).length).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
