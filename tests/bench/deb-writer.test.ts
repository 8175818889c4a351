/**
 * The apt bench corpus is written without dpkg-deb (scripts/bench/deb-writer.ts, deb-package.ts);
 * dpkg-deb is the judge: `--info` reads every package, `--field` gives back the control paragraph
 * written, `--contents` lists exactly the files written (with their directories), and
 * `dpkg-deb --extract` unpacks bytes whose MD5s match the package's md5sums. Our reader agrees too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debPackage, makeDebCorpus } from '../../scripts/bench/deb-package.ts';
import { readDeb } from '../../scripts/formats/format.ts';
import { run } from '../helpers/run.ts';

let work: string, files: string[];
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'airgap-debwriter-'));
  // 14 packages: Architecture all (0, 5, 10), an epoch (5), a ~ version (4, 13), Pre-Depends (3, 13),
  // Breaks/Replaces (2, 9), Multi-Arch same (1, 3, 7, 9, 11, 13), payloads (even ones)
  expect(await makeDebCorpus(join(work, 'apt'), 14)).toBe(14);
  files = (await run('find', [join(work, 'apt/pool'), '-name', '*.deb'])).stdout.trim().split('\n').sort();
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('packages written by deb-writer.ts', () => {
  it('read back with dpkg-deb as written: every control field, every path', async () => {
    expect(files).toHaveLength(14);
    for (let i = 0; i < 14; i++) {
      const pkg = debPackage(i);
      const file = files.find((f) => f.includes(`/${pkg.control.Package}_`))!;
      const info = await run('dpkg-deb', ['--info', file]);
      expect(info.code, info.stderr).toBe(0);
      for (const [key, value] of Object.entries(pkg.control)) {
        expect((await run('dpkg-deb', ['--field', file, key])).stdout.replace(/\n$/, ''), `${i} ${key}`).toBe(value);
      }
      const listed = (await run('dpkg-deb', ['--contents', file])).stdout.trim().split('\n')
        .map((l) => l.slice(l.indexOf(' ./') + 2)).filter((p) => !p.endsWith('/'));
      expect(listed.sort()).toEqual(pkg.files.map((f) => f.path).sort());
      const ours = await readDeb(file);
      expect(ours.control).toEqual(pkg.control);
      expect(ours.files.filter((p) => !p.endsWith('/')).sort()).toEqual(listed.sort());
    }
  });

  it('unpack with dpkg-deb --extract to the bytes md5sums names', async () => {
    const file = files.find((f) => f.includes('/rl-deb-00002_'))!;
    const root = join(work, 'root');
    expect((await run('dpkg-deb', ['--extract', file, root])).code).toBe(0);
    const control = join(work, 'control');
    expect((await run('dpkg-deb', ['--control', file, control])).code).toBe(0);
    const sums = (await readFile(join(control, 'md5sums'), 'utf8')).trim().split('\n');
    expect(sums.length).toBe(debPackage(2).files.length);
    for (const line of sums) {
      const [md5, path] = line.split('  ');
      expect(createHash('md5').update(await readFile(join(root, path!))).digest('hex'), path).toBe(md5);
    }
    expect(sums.some((l) => l.endsWith('/data.bin'))).toBe(true);
  });
});
