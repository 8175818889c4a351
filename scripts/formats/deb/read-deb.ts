/**
 * Our `.deb` reader (deb(5): an `ar` archive of `debian-binary`, `control.tar[.gz|.xz|.zst]` and
 * `data.tar[.gz|.xz|.zst|.bz2]`; deb-control(5) and Debian Policy §5 for the fields): the control
 * paragraph, every path of the data tarball, `changelog.Debian.gz` entries, the file's size,
 * MD5 and SHA-256. Decompression by node:zlib (gzip, zstd), xz-decompress (xz) and
 * unbzip2-stream (bzip2); tar by tar-stream.
 *
 * Hostile input stays bounded: the `ar` member table is checked against the file's size before
 * anything is read; the control tarball is read up to CONTROL_LIMIT bytes unpacked and the
 * changelog up to CHANGELOG_LIMIT, whatever they claim; the data tarball is streamed (only entry
 * names are kept, at most PATH_LIMIT of them); an absolute or `..` entry name refuses the package;
 * a FIFO, device or directory named `.deb` is refused without a blocking open. Every refusal is a
 * DebFormatError naming what is wrong.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { posix } from 'node:path';
import { Duplex, PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createZstdDecompress, gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import xz from 'xz-decompress';
import bz2 from 'unbzip2-stream';
import { parseControl, type ControlParagraph } from './control.ts';

/** Thrown for a file that is not a readable `.deb`; the message says why. */
export class DebFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DebFormatError';
  }
}

/** Bytes of the unpacked control tarball read at most (real ones are a few KiB; dpkg-deb allows far less than this). */
export const CONTROL_LIMIT = 16 << 20;
/** Bytes of an unpacked changelog.Debian.gz read at most. */
export const CHANGELOG_LIMIT = 4 << 20;
/** Paths of the data tarball kept at most (linux-modules has about 6,000). */
export const PATH_LIMIT = 1_000_000;

/** One entry of `changelog.Debian.gz`: version, distribution line, author and time (RFC 5322 date) and the text. */
export interface DebChangelogEntry { version: string; header: string; author: string; date: string; text: string }

/** What the reader gives for one `.deb`: the control paragraph, paths, changelog, size (bytes) and digests (hex). */
export interface DebPackage {
  control: ControlParagraph;
  /** Paths of the data tarball, absolute (`/usr/bin/x`), directories with a trailing `/`, in tarball order. */
  files: string[];
  changelog: DebChangelogEntry[];
  size: number;
  md5: string;
  sha256: string;
}

/** One member of the `ar` archive: name, offset of its data and size (bytes). */
interface ArMember { name: string; offset: number; size: number }

const AR_MAGIC = '!<arch>\n';

/**
 * Lists the members of the `ar` archive open at `fd` (size `size` bytes); throws DebFormatError
 * for a bad magic or a member that claims more bytes than the file has.
 */
function arMembers(fd: number, size: number): ArMember[] {
  const head = Buffer.alloc(60);
  if (readSync(fd, head, 0, 8, 0) !== 8 || head.toString('latin1', 0, 8) !== AR_MAGIC) {
    throw new DebFormatError('not a Debian package (no ar archive magic)');
  }
  const out: ArMember[] = [];
  for (let at = 8; at < size;) {
    if (readSync(fd, head, 0, 60, at) !== 60 || head.toString('latin1', 58, 60) !== '`\n') {
      throw new DebFormatError(`truncated or damaged ar member header at byte ${at}`);
    }
    const name = head.toString('latin1', 0, 16).trim().replace(/\/$/, '');
    const len = Number(head.toString('latin1', 48, 58).trim());
    if (!Number.isSafeInteger(len) || len < 0 || at + 60 + len > size) {
      const claim = head.toString('latin1', 48, 58).trim();
      throw new DebFormatError(`ar member ${name} claims ${claim} bytes, more than the file holds`);
    }
    out.push({ name, offset: at + 60, size: len });
    at += 60 + len + (len % 2);
    if (out.length > 16) throw new DebFormatError('more ar members than a Debian package has');
  }
  return out;
}

/** Read chunk of the file streams (bytes): large, so a package of megabytes takes few callbacks. */
const CHUNK = 1 << 18;

/** A decompressor for a member by its name's ending; throws DebFormatError for an unknown one. */
function decompressor(name: string): Duplex {
  if (name.endsWith('.gz')) return createGunzip();
  if (name.endsWith('.zst')) return createZstdDecompress();
  if (name.endsWith('.xz')) return xzDuplex();
  if (name.endsWith('.bz2')) return bz2() as unknown as Duplex;
  if (name.endsWith('.tar')) return new PassThrough();
  throw new DebFormatError(`${name}: compression not known`);
}

/** xz-decompress's web stream as a Node duplex: compressed bytes in, decoded bytes out. */
function xzDuplex(): Duplex {
  const input = new PassThrough();
  const decoded = new xz.XzReadableStream(Readable.toWeb(input) as ReadableStream<Uint8Array>);
  return Duplex.from({ writable: input, readable: Readable.fromWeb(decoded as never) });
}

/** The path of a tar entry as dpkg installs it (`./usr/bin/x` → `/usr/bin/x`); throws for an absolute or `..` one. */
function entryPath(name: string, type: string | null | undefined): string {
  if (name.startsWith('/')) throw new DebFormatError(`data.tar entry ${JSON.stringify(name)} is an absolute path`);
  const rel = name.replace(/^\.\//, '').replace(/\/$/, '');
  if (rel.split('/').includes('..')) {
    throw new DebFormatError(`data.tar entry ${JSON.stringify(name)} leaves the root (..)`);
  }
  if (!rel || rel === '.') return '/';
  return `/${posix.normalize(rel)}${type === 'directory' ? '/' : ''}`;
}

/**
 * Streams member `m` of the file through its decompressor into tar-stream, calling `onEntry`
 * for each entry (whose body must be consumed); refuses with DebFormatError once the entries'
 * sizes add up past `limit` bytes (before their bodies are read), or a damaged stream.
 */
async function readTar(file: string, m: ArMember, limit: number,
  onEntry: (h: tar.Header, body: Readable) => Promise<void>): Promise<void> {
  let declared = 0;
  const extract = tar.extract();
  extract.on('entry', (h, body, next) => {
    body.on('error', () => {}); // a refused or cut entry: the error reaches the caller through the pipeline
    declared += h.size ?? 0;
    const step = declared > limit ? Promise.reject(new DebFormatError(`${m.name} unpacks to more than ${limit} bytes`))
      : onEntry(h, body as unknown as Readable);
    step.then(() => next(), (err: Error) => extract.destroy(err));
  });
  const source = m.size ? createReadStream(file, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: CHUNK })
    : Readable.from([]);
  await pipeline(source, decompressor(m.name), extract).catch((err: Error) => {
    throw err instanceof DebFormatError ? err : new DebFormatError(`${m.name}: ${err.message}`);
  });
}

/** Reads a whole entry body, up to `limit` bytes; throws DebFormatError past it. */
async function bodyOf(body: Readable, limit: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n > limit) throw new DebFormatError(`${what} is larger than ${limit} bytes`);
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** Parses changelog.Debian text (Debian Policy §4.4) into its newest `limit` entries. */
export function parseChangelog(text: string, limit: number): DebChangelogEntry[] {
  const out: DebChangelogEntry[] = [];
  const re = /^(\S+) \(([^)]+)\) ([^\n]*)\n([\s\S]*?)^ -- (.+?)  (.+)$/gm;
  for (let m = re.exec(text); m && out.length < limit; m = re.exec(text)) {
    out.push({ version: m[2]!, header: `${m[1]} (${m[2]}) ${m[3]}`, author: m[5]!, date: m[6]!.trim(),
      text: m[4]!.trim() });
  }
  return out;
}

/** The file's size and digests, in one streamed read. */
async function digests(file: string): Promise<{ md5: string; sha256: string; size: number }> {
  const md5 = createHash('md5'), sha = createHash('sha256');
  let size = 0;
  for await (const c of createReadStream(file, { highWaterMark: CHUNK })) {
    md5.update(c as Buffer);
    sha.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { md5: md5.digest('hex'), sha256: sha.digest('hex'), size };
}

/**
 * Reads the `.deb` at `file` (see the module comment); `changelogLimit` newest changelog entries
 * are kept (default 10). Throws DebFormatError for anything that is not a readable Debian package,
 * or the fs error.
 */
export async function readDeb(file: string, changelogLimit = 10): Promise<DebPackage> {
  // O_NONBLOCK: a FIFO named .deb opens at once instead of waiting for a writer (then refused)
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  let members: ArMember[];
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new DebFormatError('not a regular file');
    if (!st.size) throw new DebFormatError('the file is empty (0 bytes)');
    members = arMembers(fd, st.size);
  } finally {
    closeSync(fd);
  }
  // the digests read the whole file; started now, they overlap the tarballs' reads
  const digested = digests(file);
  digested.catch(() => {}); // awaited below, unless a format error comes first
  if (members[0]?.name !== 'debian-binary') throw new DebFormatError('the first ar member is not debian-binary');
  const control = members.find((m) => /^control\.tar(\.(gz|xz|zst))?$/.test(m.name));
  const data = members.find((m) => /^data\.tar(\.(gz|xz|zst|bz2))?$/.test(m.name));
  if (!control || !data) throw new DebFormatError(`no ${control ? 'data' : 'control'}.tar member`);
  let paragraph: ControlParagraph | undefined;
  await readTar(file, control, CONTROL_LIMIT, async (h, body) => {
    if (h.name.replace(/^\.\//, '') !== 'control') return void body.resume();
    paragraph = parseControl((await bodyOf(body, CONTROL_LIMIT, 'control')).toString('utf8'));
  });
  if (!paragraph?.Package || !paragraph.Version) {
    throw new DebFormatError('control.tar holds no control file with Package and Version');
  }
  const files: string[] = [];
  let changelog: DebChangelogEntry[] = [];
  const changelogPath = `/usr/share/doc/${paragraph.Package}/changelog.Debian.gz`;
  await readTar(file, data, Number.MAX_SAFE_INTEGER, async (h, body) => {
    const path = entryPath(h.name, h.type);
    if (files.length >= PATH_LIMIT) throw new DebFormatError(`data.tar lists more than ${PATH_LIMIT} paths`);
    files.push(path);
    if (path === changelogPath && h.type === 'file') {
      const gz = await bodyOf(body, CHANGELOG_LIMIT, 'changelog.Debian.gz');
      const text = gunzipSync(gz, { maxOutputLength: CHANGELOG_LIMIT });
      changelog = parseChangelog(text.toString('utf8'), changelogLimit);
    } else body.resume();
  });
  return { control: paragraph, files, changelog, ...(await digested) };
}
