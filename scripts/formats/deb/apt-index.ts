/**
 * apt's repository index, as apt reads it (Debian Repository Format, wiki.debian.org/DebianRepository/Format;
 * apt-ftparchive writes the same): under `dists/<suite>/`, per architecture
 * `<component>/binary-<arch>/Packages`, `Packages.gz` and `Packages.xz` (one stanza per package, by name and newest
 * version first: its control fields, then Filename, Size, MD5sum and SHA256), each also under
 * `by-hash/SHA256/<digest>`, and `<component>/Contents-<arch>.gz`
 * (Acquire-By-Hash); a `Release` naming every index file with its size, MD5 and SHA-256 (paths
 * relative to `dists/<suite>/`); and, with a key, `InRelease` (the Release clearsigned) and
 * `Release.gpg` (detached), which apt checks against the source's Signed-By.
 */
import { createHash } from 'node:crypto';
import { sha256 } from '../../sha256.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import lzma from 'lzma-native';
import { clearSign, detachSign, type SigningKey } from '../../trust/site-key.ts';
import type { DebPackage } from './read-deb.ts';
import { compareDebVersions } from './version.ts';

/** One package of a repo: what the reader found and its path from the repo root (the URI apt is given). */
export interface AptPackage { deb: DebPackage; filename: string }

/** Where the index goes and what Release says: suite (also Codename), component, Origin and Label, Date. */
export interface AptIndexOptions {
  suite: string; component: string; origin: string; label: string; date: Date; signingKey?: SigningKey;
}

/** Architectures a repo serves: those of its packages; `all` packages alone are offered to amd64 and arm64. */
export function aptArchitectures(packages: AptPackage[]): string[] {
  const named = new Set(packages.map((p) => p.deb.control.Architecture ?? 'all'));
  const arches = [...named].filter((a) => a !== 'all').sort();
  return arches.length ? arches : ['amd64', 'arm64'];
}

/** The Packages stanza of one package: its control fields as the package has them, then where it is and its digests. */
export function packagesStanza(p: AptPackage): string {
  const lines = Object.entries(p.deb.control).map(([k, v]) => `${k}: ${v}`);
  lines.push(`Filename: ${p.filename}`, `Size: ${p.deb.size}`, `MD5sum: ${p.deb.md5}`, `SHA256: ${p.deb.sha256}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A Contents file (what `apt-file` reads; the Debian Repository Format's `Contents-<arch>`): one
 * line per path a package ships (directories left out), the path without its leading `/`, then the
 * `section/package` names shipping it, comma-separated; sorted by path.
 */
export function contentsText(packages: AptPackage[]): string {
  // one `path NUL owner` row per file: sorted in code-unit order, rows of one path come together,
  // their owners sorted (NUL sorts before any path character, so a path precedes its extensions)
  const rows: string[] = [];
  for (const p of packages) {
    const who = `\0${p.deb.control.Section ?? 'misc'}/${p.deb.control.Package}`;
    for (const f of p.deb.files) if (!f.endsWith('/')) rows.push(f.slice(1) + who);
  }
  rows.sort();
  const lines: string[] = [];
  let path = '', owners: string[] = [];
  const flush = () => { if (owners.length) lines.push(`${path.padEnd(60)} ${owners.join(',')}\n`); };
  for (const row of rows) {
    const cut = row.indexOf('\0'), rowPath = row.slice(0, cut), who = row.slice(cut + 1);
    if (rowPath !== path) {
      flush();
      path = rowPath;
      owners = [];
    }
    if (owners.at(-1) !== who) owners.push(who);
  }
  flush();
  return lines.join('');
}

/** One index file for the Release lists: path under dists/<suite>/, bytes, SHA-256 (hex). */
interface IndexFile { path: string; data: Buffer; sha256: string }

/** liblzma's lzma_check value for CRC64 (lzma/check.h), the check `xz` writes by default. */
const LZMA_CHECK_CRC64 = 4;

/** Smallest .xz block (bytes): a Packages file up to twice this size stays one block. */
const XZ_MIN_BLOCK = 256 << 10;

/**
 * `data` compressed to the .xz format (preset 6, CRC64 check, as `xz` writes by default) by
 * liblzma through lzma-native, with its multi-threaded encoder on two threads: the text is cut
 * into two blocks (of at least XZ_MIN_BLOCK bytes) compressed at once, as `xz -T2 --block-size`
 * does; about 1% larger than one block, in half the time. The bytes do not depend on the machine.
 */
function xz(data: Buffer): Promise<Buffer> {
  const blockSize = Math.max(XZ_MIN_BLOCK, Math.ceil(data.length / 2));
  return new Promise((resolve, reject) => {
    (lzma.compress as (b: Buffer, o: object, done: (out: Buffer, err?: Error) => void) => void)(data,
      { preset: 6, check: LZMA_CHECK_CRC64, threads: 2, blockSize }, (out, err) => (err ? reject(err) : resolve(out)));
  });
}

/** `data` gzip-compressed at level 9 (as `gzip -9`) on libuv's thread pool. */
const gzip9 = (data: Buffer) => promisify(gzip)(data, { level: 9 });

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/**
 * Writes the index of `packages` into `repoDir` (see the module comment); returns the paths
 * written, relative to `repoDir`. Throws the fs error.
 */
export async function writeAptIndex(repoDir: string, packages: AptPackage[], o: AptIndexOptions): Promise<string[]> {
  const dist = join(repoDir, 'dists', o.suite);
  const arches = aptArchitectures(packages);
  const files: IndexFile[] = [];
  const written: string[] = [];
  const put = async (rel: string, data: Buffer | string) => {
    await mkdir(dirname(join(dist, rel)), { recursive: true });
    await writeFile(join(dist, rel), data);
    written.push(posix.join('dists', o.suite, rel));
  };
  // by name, then newest version first (dpkg's order), then path: the same input always gives the same bytes
  const field = (p: AptPackage, k: string) => p.deb.control[k] ?? '';
  const sorted = [...packages].sort((a, b) => field(a, 'Package').localeCompare(field(b, 'Package'))
    || compareDebVersions(field(b, 'Version'), field(a, 'Version')) || a.filename.localeCompare(b.filename));
  for (const arch of arches) {
    const forArch = sorted.filter((p) => [arch, 'all'].includes(p.deb.control.Architecture ?? 'all'));
    const text = forArch.map(packagesStanza).join('\n');
    const dir = `${o.component}/binary-${arch}`;
    // xz on liblzma's thread and gzip on libuv's pool run while the Contents text is made here; the
    // main thread stays free between, since lzma-native hands its output back through it
    const data = Buffer.from(text);
    const packagesXz = xz(data), packagesGz = gzip9(data);
    for (const p of [packagesXz, packagesGz]) p.catch(() => {}); // awaited below
    const contents = await gzip9(Buffer.from(contentsText(forArch)));
    const variants = [['Packages', data], ['Packages.gz', await packagesGz],
      ['Packages.xz', await packagesXz]] as const;
    for (const [name, data] of variants) {
      const file = { path: `${dir}/${name}`, data, sha256: sha256(data) };
      files.push(file);
      await put(file.path, data);
      await put(`${dir}/by-hash/SHA256/${file.sha256}`, data);
    }
    files.push({ path: `${o.component}/Contents-${arch}.gz`, data: contents, sha256: sha256(contents) });
    await put(`${o.component}/Contents-${arch}.gz`, contents);
  }
  const release = [
    `Origin: ${o.origin}`, `Label: ${o.label}`, `Suite: ${o.suite}`, `Codename: ${o.suite}`,
    `Date: ${o.date.toUTCString().replace('GMT', 'UTC')}`, `Architectures: ${arches.join(' ')}`,
    `Components: ${o.component}`,
    'Acquire-By-Hash: yes',
    'MD5Sum:', ...files.map((f) => ` ${md5(f.data)} ${String(f.data.length).padStart(16)} ${f.path}`),
    'SHA256:', ...files.map((f) => ` ${f.sha256} ${String(f.data.length).padStart(16)} ${f.path}`),
  ].join('\n') + '\n';
  await put('Release', release);
  if (o.signingKey) {
    await put('InRelease', await clearSign(o.signingKey, release, o.date));
    await put('Release.gpg', await detachSign(o.signingKey, Buffer.from(release), o.date));
  }
  return written;
}
