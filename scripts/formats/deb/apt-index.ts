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
import { gzipSync } from 'node:zlib';
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
  const owners = new Map<string, Set<string>>();
  for (const p of packages) {
    const who = `${p.deb.control.Section ?? 'misc'}/${p.deb.control.Package}`;
    for (const f of p.deb.files) {
      if (f.endsWith('/')) continue;
      const path = f.slice(1);
      (owners.get(path) ?? owners.set(path, new Set()).get(path)!).add(who);
    }
  }
  return [...owners].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, who]) => `${path.padEnd(60)} ${[...who].sort().join(',')}`).join('\n') + (owners.size ? '\n' : '');
}

/** One index file for the Release lists: path under dists/<suite>/, bytes, SHA-256 (hex). */
interface IndexFile { path: string; data: Buffer; sha256: string }

/** `data` compressed to the .xz format (preset 6, CRC64 check, as `xz` writes by default), by liblzma through lzma-native. */
function xz(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    (lzma.compress as (b: Buffer, o: object, done: (out: Buffer, err?: Error) => void) => void)(data, { preset: 6 },
      (out, err) => (err ? reject(err) : resolve(out)));
  });
}

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
    // liblzma compresses on its own thread meanwhile: the Contents file is made on this one
    const packagesXz = xz(Buffer.from(text));
    packagesXz.catch(() => {}); // awaited below
    const contents = gzipSync(contentsText(forArch), { level: 9 });
    const variants = [['Packages', Buffer.from(text)], ['Packages.gz', gzipSync(text, { level: 9 })],
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
