/**
 * Our `.deb` reader (scripts/formats/deb/read-deb.ts) against dpkg-deb on packages built in the
 * test with dpkg-deb (gzip, xz, zstd and uncompressed members; bzip2 data assembled by hand as
 * old packages have it): every control field `dpkg-deb --field` prints, every path of `dpkg-deb
 * --contents`, changelog entries, size and digests; and hostile files (truncated, fake, a member
 * claiming gigabytes, `../` and absolute entries, a control tarball bomb, a FIFO) refused with one
 * reason each. Each case runs on both reading paths: the package read whole (most packages) and
 * read as streams (packages over WHOLE_FILE_LIMIT, taken here by lowering the limit to 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { DebFormatError, readDeb } from '../../scripts/formats/deb/read-deb.ts';
import { WHOLE_UNPACK_LIMIT } from '../../scripts/formats/deb/tar-member.ts';
import { parseRelations } from '../../scripts/formats/deb/control.ts';
import { run } from '../helpers/run.ts';
import { ROOT } from '../helpers/cli.ts';

let base: string;
beforeAll(async () => { base = await mkdtemp(join(tmpdir(), 'airgap-deb-')); });
afterAll(() => rm(base, { recursive: true, force: true }));

const CONTROL = `Package: linux-headers-5.15.0-91-generic
Version: 5.15.0-91.101
Architecture: amd64
Multi-Arch: same
Maintainer: Ubuntu Kernel Team <kernel-team@lists.ubuntu.com>
Installed-Size: 28
Section: devel
Priority: optional
Source: linux
Depends: linux-headers-5.15.0-91 (= 5.15.0-91.101), libc6 (>= 2.34), libelf1 (>= 0.142) | libelf-dev:any, libssl3 (>= 3.0.0~~alpha1)
Pre-Depends: dpkg (>= 1.19.0)
Recommends: gcc-12
Suggests: linux-doc
Breaks: old-headers (<< 5.0)
Conflicts: other-headers
Provides: linux-headers, linux-headers-3.0
Replaces: old-headers (<= 4.9)
Homepage: https://kernel.ubuntu.com/
Description: Linux kernel headers for version 5.15.0 on 64 bit x86 SMP
 This package provides kernel header files for version 5.15.0 on
 64 bit x86 SMP.
 .
 This is for sites that want the latest kernel headers.
`;

const CHANGELOG = `linux (5.15.0-91.101) jammy; urgency=medium

  * jammy/linux: 5.15.0-91.101 -proposed tracker (LP: #2042528)

 -- Stefan Bader <stefan.bader@canonical.com>  Fri, 10 Nov 2023 17:36:00 +0100

linux (5.15.0-90.100) jammy; urgency=medium

  * Miscellaneous Ubuntu changes

 -- Roxana Nicolescu <roxana.nicolescu@canonical.com>  Mon, 30 Oct 2023 10:00:00 +0100
`;

/** Builds the test package with dpkg-deb and `compression`; returns its path. */
async function buildDeb(compression: string): Promise<string> {
  const root = join(base, `root-${compression}`);
  const pkg = 'linux-headers-5.15.0-91-generic';
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await writeFile(join(root, 'DEBIAN/control'), CONTROL);
  await mkdir(join(root, `usr/share/doc/${pkg}`), { recursive: true });
  await writeFile(join(root, `usr/share/doc/${pkg}/changelog.Debian.gz`), gzipSync(CHANGELOG));
  await mkdir(join(root, 'usr/src/linux-headers-5.15.0-91-generic/include/config'), { recursive: true });
  await writeFile(join(root, 'usr/src/linux-headers-5.15.0-91-generic/include/config/auto.conf'), 'CONFIG_X86_64=y\n');
  // a path past ustar's 100 + 155 bytes: dpkg-deb writes it as a GNU long name
  const long = join(root, 'usr/src/linux-headers-5.15.0-91-generic', 'd'.repeat(120), 'e'.repeat(120));
  await mkdir(long, { recursive: true });
  await writeFile(join(long, `${'f'.repeat(100)}.h`), '#define X 1\n');
  const out = join(base, `${compression}.deb`);
  const r = await run('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', root, out]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

/** An ar archive of `members` (deb(5)'s container), as dpkg-deb writes it. */
function arArchive(members: [string, Uint8Array][]): Buffer {
  const parts: Uint8Array[] = [Buffer.from('!<arch>\n')];
  for (const [name, data] of members) {
    // name, mtime, uid, gid, mode, size, magic (ar(5))
    const h = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}`
      + `${String(data.length).padEnd(10)}\`\n`;
    parts.push(Buffer.from(h, 'latin1'), data, ...(data.length % 2 ? [Buffer.from('\n')] : []));
  }
  return Buffer.concat(parts);
}

/** A tar of `entries` (name → contents), made with tar-stream. */
async function tarOf(entries: [string, Buffer][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, data] of entries) pack.entry({ name, size: data.length }, data);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const controlTar = () => tarOf([['./control', Buffer.from(CONTROL)]]);

/** The two reading paths: read whole (the default limit) and streamed (limit 0). */
const PATHS = [['whole', undefined], ['streamed', 0]] as const;

describe('the .deb reader agrees with dpkg-deb', () => {
  it.each(['gzip', 'xz', 'zstd', 'none'].flatMap((c) => PATHS.map(([how, limit]) => [c, how, limit] as const)))(
    '%s members, read %s: every field, path, changelog entry and digest', async (compression, _how, limit) => {
    const file = await buildDeb(compression);
    const d = await readDeb(file, 10, limit);
    const fields = (await run('dpkg-deb', ['--field', file])).stdout;
    for (const line of fields.split('\n').filter((l) => /^\S+:/.test(l))) {
      const key = line.slice(0, line.indexOf(':'));
      const value = (await run('dpkg-deb', ['--field', file, key])).stdout.replace(/\n$/, '');
      expect(d.control[key], key).toBe(value);
    }
    const listed = (await run('dpkg-deb', ['--contents', file])).stdout.trim().split('\n')
      .map((l) => l.slice(l.indexOf('./') + 1)).map((p) => (p === '/' ? '/' : p));
    expect(d.files).toEqual(listed);
    const bytes = await readFile(file);
    expect(d.size).toBe(bytes.length);
    expect(d.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(d.md5).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(d.changelog.map((e) => [e.version, e.author, e.date])).toEqual([
      ['5.15.0-91.101', 'Stefan Bader <stefan.bader@canonical.com>', 'Fri, 10 Nov 2023 17:36:00 +0100'],
      ['5.15.0-90.100', 'Roxana Nicolescu <roxana.nicolescu@canonical.com>', 'Mon, 30 Oct 2023 10:00:00 +0100']]);
  });

  it('a bzip2 data member (older packages) is read; dpkg-deb lists the same paths', async () => {
    const data = await tarOf([['./usr/bin/tool', Buffer.from('#!/bin/sh\n')]]);
    await writeFile(join(base, 'data.tar'), data);
    const bz = await run('bzip2', ['-kf', join(base, 'data.tar')]);
    expect(bz.code, bz.stderr).toBe(0);
    const file = join(base, 'bz.deb');
    await writeFile(file, arArchive([['debian-binary', Buffer.from('2.0\n')], ['control.tar.gz', gzipSync(await controlTar())],
      ['data.tar.bz2', await readFile(join(base, 'data.tar.bz2'))]]));
    const d = await readDeb(file);
    expect(d.files).toEqual(['/usr/bin/tool']);
    expect((await run('dpkg-deb', ['--contents', file])).stdout).toContain('./usr/bin/tool');
  });

  it('relations keep alternatives, versions, arch qualifiers; obsolete < and > read as <= and >=', () => {
    expect(parseRelations('libelf1 (>= 0.142) | libelf-dev:any, libssl3 (>= 3.0.0~~alpha1), linux-doc [amd64], a (< 1), b (> 2)')).toEqual([
      [{ name: 'libelf1', op: '>=', version: '0.142' }, { name: 'libelf-dev', arch: 'any' }],
      [{ name: 'libssl3', op: '>=', version: '3.0.0~~alpha1' }], [{ name: 'linux-doc' }],
      [{ name: 'a', op: '<=', version: '1' }], [{ name: 'b', op: '>=', version: '2' }]]);
  });
});

describe('real Debian packages (tests/fixtures/real-debs, from bookworm)', () => {
  it.each(PATHS)('read %s: every field, path and digest agree with dpkg-deb; the changelog is read',
    async (_how, limit) => {
    const dir = join(ROOT, 'tests/fixtures/real-debs');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.deb'));
    expect(files).toHaveLength(5);
    for (const f of files) {
      const file = join(dir, f);
      const d = await readDeb(file, 10, limit);
      const keys = (await run('dpkg-deb', ['--field', file])).stdout.split('\n').filter((l) => /^\S+:/.test(l))
        .map((l) => l.slice(0, l.indexOf(':')));
      expect(Object.keys(d.control), f).toEqual(keys);
      for (const k of keys) expect(d.control[k], `${f} ${k}`).toBe((await run('dpkg-deb', ['--field', file, k])).stdout.replace(/\n$/, ''));
      // dpkg-deb writes a link as `path -> target`
      const listed = (await run('dpkg-deb', ['--contents', file])).stdout.trim().split('\n')
        .map((l) => l.slice(l.indexOf('./') + 1).replace(/ (->|link to) .*$/, ''));
      expect(d.files, f).toEqual(listed);
      expect(d.sha256).toBe(createHash('sha256').update(await readFile(file)).digest('hex'));
    }
    const hello = await readDeb(join(dir, 'hello_2.10-3_amd64.deb'), 10, limit);
    expect(hello.changelog[0]).toMatchObject({ version: '2.10-3' });
  });
});

describe.each(PATHS)('hostile .deb files, read %s', (how, limit) => {
  const refused = async (file: string, why: RegExp) => {
    await expect(readDeb(file, 10, limit)).rejects.toThrow(DebFormatError);
    await expect(readDeb(file, 10, limit)).rejects.toThrow(why);
  };
  /** A package of `control` (default: the test's) and `data`, gzip-compressed unless given compressed. */
  const deb = async (name: string, data: Buffer, control?: Buffer, dataMember = gzipSync(data)) => {
    const file = join(base, `${how}-${name}`);
    await writeFile(file, arArchive([['debian-binary', Buffer.from('2.0\n')],
      ['control.tar.gz', gzipSync(control ?? await controlTar())], ['data.tar.gz', dataMember]]));
    return file;
  };

  it('truncated, fake, and a member claiming gigabytes are refused before anything that size is read', async () => {
    const good = await readFile(await buildDeb('gzip'));
    await writeFile(join(base, 'cut.deb'), good.subarray(0, Math.floor(good.length / 2)));
    await refused(join(base, 'cut.deb'), /claims \d+ bytes, more than the file holds|truncated/);
    await writeFile(join(base, 'fake.deb'), 'this is not a package');
    await refused(join(base, 'fake.deb'), /no ar archive magic/);
    const huge = Buffer.from(good);
    huge.write('9999999999', 8 + 60 + 4 + 48, 'latin1'); // the size field of the second member (after debian-binary)
    await writeFile(join(base, 'huge.deb'), huge);
    await refused(join(base, 'huge.deb'), /claims 9999999999 bytes, more than the file holds/);
    await writeFile(join(base, 'empty.deb'), '');
    await refused(join(base, 'empty.deb'), /empty/);
  });

  it('entries that leave the root, and a control tarball that unpacks past its bound, are refused', async () => {
    await refused(await deb('up.deb', await tarOf([['./../../etc/passwd', Buffer.from('x')]])), /leaves the root/);
    await refused(await deb('abs.deb', await tarOf([['/etc/passwd', Buffer.from('x')]])), /absolute path/);
    const bomb = await tarOf([['./control', Buffer.from(CONTROL)], ['./zeros', Buffer.alloc(17 << 20)]]);
    await refused(await deb('bomb.deb', await tarOf([]), bomb), /control\.tar\.gz unpacks to more than 16777216 bytes/);
  });

  it('a tar header with a bad checksum, and a data member cut short, are refused naming the member', async () => {
    const data = await tarOf([['./usr/bin/tool', Buffer.from('#!/bin/sh\n')]]);
    const bad = Buffer.from(data);
    bad[0] = 'X'.charCodeAt(0); // the name changes, the checksum field does not
    await refused(await deb('cksum.deb', bad), /^data\.tar\.gz: .*checksum/);
    const gz = gzipSync(data);
    await refused(await deb('cut-data.deb', data, undefined, gz.subarray(0, gz.length - 20)), /^data\.tar\.gz: /);
  });

  it('a gzip trailer that lies about the unpacked size is refused (zlib checks it), whatever it claims', async () => {
    const data = await tarOf([['./usr/share/doc/x/big', Buffer.alloc(300_000, 7)],
      ['./usr/bin/tool', Buffer.from('x')]]);
    for (const isize of [1, 0xffffffff]) {
      const gz = gzipSync(data);
      gz.writeUInt32LE(isize, gz.length - 4); // ISIZE, RFC 1952 §2.3.1
      await refused(await deb(`isize-${isize}.deb`, data, undefined, gz), /^data\.tar\.gz: incorrect length check/);
    }
  });

  it('a FIFO named .deb is refused without blocking', async () => {
    const fifo = join(base, `${how}-pipe.deb`);
    expect((await run('mkfifo', [fifo])).code).toBe(0);
    await refused(fifo, /not a regular file/);
  });
});

describe('a data tarball that unpacks past what is held in memory', () => {
  it('is read again as a stream: every path listed, nothing refused', async () => {
    const data = await tarOf([['./usr/lib/firmware/blob', Buffer.alloc(WHOLE_UNPACK_LIMIT + (1 << 20))],
      ['./usr/lib/firmware/after', Buffer.from('x')]]);
    const file = join(base, 'firmware.deb');
    await writeFile(file, arArchive([['debian-binary', Buffer.from('2.0\n')],
      ['control.tar.gz', gzipSync(await controlTar())], ['data.tar.gz', gzipSync(data, { level: 1 })]]));
    const d = await readDeb(file);
    expect(d.files).toEqual(['/usr/lib/firmware/blob', '/usr/lib/firmware/after']);
    expect((await run('dpkg-deb', ['--contents', file])).stdout).toContain('./usr/lib/firmware/after');
  });
});
