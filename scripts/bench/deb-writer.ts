/**
 * Writes stand-in `.deb` files for the apt bench corpus without dpkg-deb (thousands in seconds):
 * the `ar` container (deb(5): `debian-binary` "2.0\n", `control.tar.gz`, `data.tar.gz`; 60-byte
 * member headers, members padded to even offsets), tarballs by tar-stream, gzip by node:zlib.
 * Judged by apt-ftparchive, which indexes the same files in the bench, and by dpkg-deb in
 * tests/formats/bench-debs.test.ts.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** One file of a stand-in package: absolute path, contents, mode bits (0o644 when absent). */
export interface DebCorpusFile { path: string; data: Buffer; mode?: number }

/** A stand-in package: its control paragraph (field order kept) and its files. */
export interface DebCorpusPackage { control: Record<string, string>; files: DebCorpusFile[] }

const MTIME = Date.UTC(2025, 5, 2, 12) / 1000;

/** A tar (ustar) of `entries`, paths as `./x`, parent directories first, gzip-compressed. */
async function tarGz(entries: { name: string; data: Buffer; mode: number }[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => { tar.on('end', resolve); tar.on('error', reject); });
  const dirs = new Set<string>(['./']);
  const mtime = new Date(MTIME * 1000);
  tar.entry({ name: './', type: 'directory', mode: 0o755, mtime });
  for (const e of entries) {
    const parts = e.name.split('/').slice(0, -1);
    for (let k = 2; k <= parts.length; k++) {
      const dir = `${parts.slice(0, k).join('/')}/`;
      if (!dirs.has(dir)) { dirs.add(dir); tar.entry({ name: dir, type: 'directory', mode: 0o755, mtime }); }
    }
    tar.entry({ name: e.name, mode: e.mode, mtime, size: e.data.length }, e.data);
  }
  tar.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks), { level: 6 });
}

/** One `ar` member: header (name/, mtime, uid 0, gid 0, mode 100644, size, "`\n"), data, "\n" pad to even. */
function arMember(name: string, data: Buffer): Buffer {
  const header = `${name.padEnd(16)}${String(MTIME).padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}`
    + `${'100644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), data, data.length % 2 ? Buffer.from('\n') : Buffer.alloc(0)]);
}

/** The bytes of a `.deb` holding `pkg`: control paragraph, md5sums, and the files in a data tarball. */
export async function writeDeb(pkg: DebCorpusPackage): Promise<Buffer> {
  const files = [...pkg.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const control = Object.entries(pkg.control).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n';
  const md5sums = files.map((f) => `${createHash('md5').update(f.data).digest('hex')}  ${f.path.slice(1)}\n`).join('');
  const controlTar = await tarGz([{ name: './control', data: Buffer.from(control), mode: 0o644 },
    { name: './md5sums', data: Buffer.from(md5sums), mode: 0o644 }]);
  const dataTar = await tarGz(files.map((f) => ({ name: `.${f.path}`, data: f.data, mode: f.mode ?? 0o644 })));
  return Buffer.concat([Buffer.from('!<arch>\n'), arMember('debian-binary', Buffer.from('2.0\n')),
    arMember('control.tar.gz', controlTar), arMember('data.tar.gz', dataTar)]);
}
