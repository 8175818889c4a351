/**
 * The realistic bench corpus is written without rpmbuild (scripts/bench/rpm-writer.ts); rpm is
 * the judge: every digest `rpm -Kv` knows checks out, `rpm -qp` reads back what was written, and
 * `rpm -i --root` unpacks the payload, after which `rpm -V` finds every file as recorded. The
 * small profile's packages (small-package.ts) pass the same digest checks and read back.
 * (createrepo_c parity of the same corpus: tests/repodata/createrepo-parity.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCorpus } from '../../scripts/bench/make-corpus.ts';
import { fileCountOf, realisticPackage } from '../../scripts/bench/realistic-package.ts';
import { smallPackage } from '../../scripts/bench/small-package.ts';
import { run } from '../helpers/run.ts';

let work: string, pkgs: string, files: string[];
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'airgap-rpmwriter-'));
  expect(await makeCorpus(join(work, 'c'), 12, () => {}, { profile: 'realistic' })).toBe(12);
  pkgs = join(work, 'c/Packages');
  files = (await readdir(pkgs)).sort();
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('packages written by rpm-writer.ts', () => {
  it('pass every digest check of rpm -Kv', async () => {
    const r = await run('rpm', ['-Kv', ...files], { cwd: pkgs });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const check of ['Header SHA256 digest: OK', 'Header SHA1 digest: OK', 'Payload SHA256 digest: OK', 'MD5 digest: OK']) {
      expect(r.stdout.split(check).length - 1, check).toBe(files.length);
    }
  });

  it('read back with rpm -qp as written: NEVRA, file list, dependencies, changelog', async () => {
    const nevras = await run('rpm', ['-qp', '--qf', '%{name}-%{version}-%{release}.%{arch}.rpm\\n', ...files], { cwd: pkgs });
    expect(nevras.stdout.trim().split('\n')).toEqual(files);
    const pkg = realisticPackage(7, 1, 12);
    const file = files.find((f) => f.startsWith('rl-pkg-00007-'))!;
    const list = await run('rpm', ['-qpl', file], { cwd: pkgs });
    expect(list.stdout.trim().split('\n')).toEqual(pkg.files.map((f) => f.path));
    expect(pkg.files.length).toBeGreaterThan(fileCountOf(7));
    const requires = await run('rpm', ['-qpR', file], { cwd: pkgs });
    const expected = pkg.requires.map((d) => (d.version ? `${d.name} >= ${d.version}` : d.name));
    expect(expected).toContain('/usr/bin/rl-pkg-00004');
    expect(requires.stdout.trim().split('\n').filter((l) => !l.startsWith('rpmlib('))).toEqual(expected);
    const log = await run('rpm', ['-qp', '--changelog', file], { cwd: pkgs });
    expect(log.stdout).toContain('- realistic corpus change 1: rebuilt, <b>fixed</b> a thing');
  });

  it('install with rpm -i --root and verify clean with rpm -V', async () => {
    const root = join(work, 'root');
    const chosen = files.filter((f) => /^rl-pkg-0000[2-4]-/.test(f));
    const i = await run('rpm', ['--root', root, '--nodeps', '--noscripts', '-i', ...chosen], { cwd: pkgs });
    expect(i.code, i.stderr).toBe(0);
    const v = await run('rpm', ['--root', root, '-V', '--nodeps', 'rl-pkg-00002', 'rl-pkg-00003', 'rl-pkg-00004']);
    expect(v.stdout, v.stderr).toBe('');
    const data = await readFile(join(root, 'usr/lib64/rl-pkg-00002/data.bin'));
    const written = realisticPackage(2, 1, 12).files.find((f) => f.path.endsWith('/data.bin'))!.data!;
    expect(createHash('sha256').update(data).digest('hex')).toBe(createHash('sha256').update(written).digest('hex'));
    expect(await readFile(join(root, 'etc/rl-pkg-00004/rl-pkg-00004.conf'), 'utf8')).toBe('4\n');
  });

  it('of the small profile pass rpm -Kv and read back with rpm -qp', async () => {
    expect(await makeCorpus(join(work, 's'), 5, () => {}, { profile: 'small', first: 98 })).toBe(5);
    const dir = join(work, 's/Packages'), small = (await readdir(dir)).sort();
    const k = await run('rpm', ['-Kv', ...small], { cwd: dir });
    expect(k.code, k.stdout + k.stderr).toBe(0);
    expect(k.stdout.split('Payload SHA256 digest: OK').length - 1).toBe(5);
    const pkg = smallPackage(100), file = small.find((f) => f.startsWith('bench-pkg-00100-'))!;
    expect((await run('rpm', ['-qpl', file], { cwd: dir })).stdout.trim().split('\n')).toEqual(pkg.files.map((f) => f.path));
    expect(pkg.files.length).toBe(5 + 12 + (100 * 7) % 29); // conf, binary, two directories, README and the modules
    const requires = await run('rpm', ['-qpR', file], { cwd: dir });
    expect(requires.stdout.trim().split('\n').filter((l) => !l.startsWith('rpmlib('))).toEqual(
      ['bench-pkg-00099 >= 1.0', 'libbench-pkg-00050.so.1()(64bit)', '/usr/bin/bench-pkg-00097']);
  });
});
