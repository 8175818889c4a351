/**
 * Bad input never crashes the run or loses data: each bad file gets one line naming it and
 * the reason, the rest of the repo is indexed and usable by dnf, the exit code is 2, and
 * the input tree is byte-for-byte unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, REAL_RPMS, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { dnf } from '../helpers/dnf.ts';
import { treeHash } from '../helpers/tree-hash.ts';
import { run, type RunResult } from '../helpers/run.ts';

let base: string, mirror: string, out: string, result: RunResult, before: string;
const pkgs = join(SAMPLE_MIRROR, 'ubi9/baseos/Packages');

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-bad-'));
  mirror = join(base, 'mirror');
  const dir = join(mirror, 'repo/Packages');
  await mkdir(dir, { recursive: true });
  for (const f of ['hostname-3.23-6.el9.aarch64.rpm', 'lsof-4.94.0-3.el9.aarch64.rpm', 'coreutils-8.32-35.el9.aarch64.rpm']) await copyFile(join(pkgs, f), join(dir, f));
  await copyFile(join(REAL_RPMS, 'balicek-iso88592-1.1.1-1.x86_64.rpm'), join(dir, 'balicek-iso88592-1.1.1-1.x86_64.rpm'));
  const whole = await readFile(join(pkgs, 'libpcap-1.10.0-4.el9.aarch64.rpm'));
  await writeFile(join(dir, 'header-cut-1.0-1.aarch64.rpm'), whole.subarray(0, 600));
  await writeFile(join(dir, 'payload-cut-1.0-1.aarch64.rpm'), whole.subarray(0, whole.length - 64));
  await writeFile(join(dir, 'fake-1.0-1.aarch64.rpm'), '<html><body>404 Not Found</body></html>\n');
  await writeFile(join(dir, 'zero-1.0-1.aarch64.rpm'), '');
  await copyFile(join(pkgs, 'numactl-libs-2.0.16-1.el9.aarch64.rpm'), join(dir, 'unreadable-2.0.16-1.el9.aarch64.rpm'));
  await chmod(join(dir, 'unreadable-2.0.16-1.el9.aarch64.rpm'), 0o000);
  await symlink('loop-b.rpm', join(dir, 'loop-a.rpm'));
  await symlink('loop-a.rpm', join(dir, 'loop-b.rpm'));
  await copyFile(join(pkgs, 'hostname-3.23-6.el9.aarch64.rpm'), join(dir, 'zz-copy-of-hostname.rpm'));
  await utimes(join(dir, 'zz-copy-of-hostname.rpm'), new Date('2020-01-01'), new Date('2020-01-01')); // the older copy
  expect((await run('mkfifo', [join(dir, 'pipe-1.0-1.aarch64.rpm')])).code).toBe(0); // opening it for reading would wait forever
  // a newline is valid in XML (createrepo_c writes &#10;): indexed; an escape sequence is not: named, escaped
  await copyFile(join(pkgs, 'elfutils-libelf-0.190-2.el9.aarch64.rpm'), join(dir, 'new\nline-0.190-2.el9.aarch64.rpm'));
  await copyFile(join(REAL_RPMS, 'Archer-3.4.5-6.x86_64.rpm'), join(dir, 'esc\x1b]0;pwned\x07-3.4.5-6.x86_64.rpm'));
  await mkdir(join(mirror, 'repo/Locked'));
  await copyFile(join(pkgs, 'libpcap-1.10.0-4.el9.aarch64.rpm'), join(mirror, 'repo/Locked/libpcap-1.10.0-4.el9.aarch64.rpm'));
  await chmod(join(mirror, 'repo/Locked'), 0o000); // a directory the user cannot list
  // a 40 MB repomd.xml (real ones are a few KB): refused before it is read, never parsed into memory
  await mkdir(join(mirror, 'bloated/repodata'), { recursive: true });
  await copyFile(join(pkgs, 'hostname-3.23-6.el9.aarch64.rpm'), join(mirror, 'bloated/hostname-3.23-6.el9.aarch64.rpm'));
  const data = `<data type="x"><checksum type="sha256">${'a'.repeat(64)}</checksum><location href="repodata/x.xml"/></data>\n`;
  // a FIFO where repomd.xml should be, and one named like a key: reading either would wait forever
  await mkdir(join(mirror, 'piped/repodata'), { recursive: true });
  await copyFile(join(pkgs, 'coreutils-8.32-35.el9.aarch64.rpm'), join(mirror, 'piped/coreutils-8.32-35.el9.aarch64.rpm'));
  expect((await run('mkfifo', [join(mirror, 'piped/repodata/repomd.xml')])).code).toBe(0);
  expect((await run('mkfifo', [join(mirror, 'piped/RPM-GPG-KEY-piped')])).code).toBe(0);
  await writeFile(join(mirror, 'bloated/repodata/repomd.xml'), `<repomd>${data.repeat(Math.ceil((40 << 20) / data.length))}</repomd>`);
  out = join(base, 'site');
  before = await treeHash(mirror);
  result = await cli(['build', '--mirror', mirror, '--out', out], { withoutDacOverride: true });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('a repo with every kind of bad input', () => {
  it('refuses a 40 MB repomd.xml before reading it: one line, the packages indexed, memory as usual', () => {
    expect(result.stderr).toMatch(/^error: bloated\/repodata\/repomd\.xml: upstream repomd\.xml unreadable \(repomd\.xml is \d+ bytes; real ones are a few KB/m);
    expect(result.stdout).toMatch(/bloated +1 packages/);
    expect(Number(/Peak memory: (\d+) MB/.exec(result.stdout)![1])).toBeLessThan(1000);
  });

  it('never blocks on a FIFO named repomd.xml or like a key file; the repo is indexed', () => {
    expect(result.stderr).toContain('error: piped/repodata/repomd.xml: upstream repomd.xml unreadable (a FIFO, not a file)');
    expect(result.stdout).toMatch(/piped +1 packages/);
  });

  it('names a directory it cannot list instead of passing over it', () => {
    expect(result.stderr).toContain('error: repo/Locked: cannot list the directory (EACCES); any packages in it are skipped [dir-unreadable]');
  });

  it('names a file whose name XML cannot carry with its control characters escaped, and indexes one with a newline', async () => {
    expect(result.stderr).toContain('error: repo/Packages/esc\\x1b]0;pwned\\x07-3.4.5-6.x86_64.rpm: the file name holds control characters');
    expect(result.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    const primary = await run('sh', ['-c', `zcat ${join(out, 'repo/repodata')}/*-primary.xml.gz`]);
    expect(primary.stdout).toContain('<location href="Packages/new&#10;line-0.190-2.el9.aarch64.rpm"/>');
  });

  it('exits 2: site built, some inputs skipped', () => {
    expect(result.code, result.stderr).toBe(2);
  });

  it('keeps the newer of two files with one NEVRA and says why', () => {
    expect(result.stderr).toContain('error: repo/Packages/zz-copy-of-hostname.rpm: duplicate NEVRA hostname-3.23-6.el9.aarch64: '
      + 'repo/Packages/hostname-3.23-6.el9.aarch64.rpm is kept (it is the newer file); skipped [duplicate-nevra]');
  });

  it.each([
    ['repo/Packages/header-cut-1.0-1.aarch64.rpm', 'rpm-truncated'],
    ['repo/Packages/payload-cut-1.0-1.aarch64.rpm', 'rpm-truncated'],
    ['repo/Packages/fake-1.0-1.aarch64.rpm', 'rpm-not-rpm'],
    ['repo/Packages/zero-1.0-1.aarch64.rpm', 'rpm-empty'],
    ['repo/Packages/unreadable-2.0.16-1.el9.aarch64.rpm', 'file-unreadable'],
    ['repo/Packages/loop-a.rpm', 'symlink-loop'],
    ['repo/Packages/loop-b.rpm', 'symlink-loop'],
    ['repo/Packages/zz-copy-of-hostname.rpm', 'duplicate-nevra'],
    ['repo/Packages/pipe-1.0-1.aarch64.rpm', 'rpm-not-rpm'],
    ['repo/Packages/balicek-iso88592-1.1.1-1.x86_64.rpm', 'non-utf8-text'],
    ['repo/Packages/lsof-4.94.0-3.el9.aarch64.rpm', 'html-in-text'],
  ])('reports %s once as %s', (file, code) => {
    const lines = result.stderr.split('\n').filter((l) => l.includes(`${file}:`));
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`[${code}]`);
  });

  it('indexes the good packages so dnf can use them', async () => {
    const r = await dnf({ r: join(out, 'repo') }, ['repoquery', '--qf', '%{name}'], { arch: 'aarch64' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['balicek-iso88592', 'coreutils', 'elfutils-libelf', 'hostname', 'lsof']);
    // the file with a newline in its name downloads from the site as dnf reads its location
    const dl = join(base, 'dl');
    const got = await dnf({ r: join(out, 'repo') }, ['download', '--destdir', dl, 'elfutils-libelf'], { arch: 'aarch64' });
    expect(got.code, got.stderr).toBe(0);
    expect(await readdir(dl)).toEqual(['new\nline-0.190-2.el9.aarch64.rpm']);
  });

  it('serves only the packages it indexed: skipped files are not in the site', async () => {
    expect((await readdir(join(out, 'repo/Packages'))).sort()).toEqual([
      'balicek-iso88592-1.1.1-1.x86_64.rpm', 'coreutils-8.32-35.el9.aarch64.rpm', 'hostname-3.23-6.el9.aarch64.rpm', 'lsof-4.94.0-3.el9.aarch64.rpm',
      'new\nline-0.190-2.el9.aarch64.rpm',
    ]);
  });

  it('leaves the input tree unchanged', async () => {
    expect(await treeHash(mirror)).toBe(before);
  });

  it('summarises the skipped inputs', () => {
    expect(result.stdout).toMatch(/13 inputs skipped, 2 warnings/);
  });
});
