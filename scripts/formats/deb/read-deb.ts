/**
 * Our `.deb` reader (deb(5): an `ar` archive of `debian-binary`, `control.tar[.gz|.xz|.zst]` and
 * `data.tar[.gz|.xz|.zst|.bz2]`; deb-control(5) and Debian Policy §5 for the fields): the control
 * paragraph, every path of the data tarball, `changelog.Debian.gz` entries, the file's size,
 * MD5 and SHA-256. Tarballs are unpacked and walked by tar-member.ts.
 *
 * A package of up to WHOLE_FILE_LIMIT bytes (nearly all of them) is read with one read, then
 * hashed, split and unpacked in memory; a larger one (CUDA, firmware) is hashed and unpacked as
 * streams. Hostile input stays bounded either way: the `ar` member table is checked against the
 * file's size before anything is read; the control tarball is unpacked up to CONTROL_LIMIT bytes
 * and the changelog up to CHANGELOG_LIMIT, whatever they claim; of the data tarball only entry names
 * are kept, at most PATH_LIMIT of them; an absolute or `..` entry name refuses the package; a FIFO,
 * device or directory named `.deb` is refused without a blocking open. Every refusal is a
 * DebFormatError naming what is wrong.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { EntryData } from 'tar/core';
import { parseControl, type ControlParagraph } from './control.ts';
import { DebFormatError, walkMember, type MemberBytes } from './tar-member.ts';

export { DebFormatError };

/** Bytes of the unpacked control tarball read at most (real ones are a few KiB; dpkg-deb allows far less than this). */
export const CONTROL_LIMIT = 16 << 20;
/** Bytes of an unpacked changelog.Debian.gz read at most. */
export const CHANGELOG_LIMIT = 4 << 20;
/** Paths of the data tarball kept at most (linux-modules has about 6,000). */
export const PATH_LIMIT = 1_000_000;
/** Bytes of a package read into memory whole; a larger one is streamed. */
export const WHOLE_FILE_LIMIT = 32 << 20;

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
 * Lists the members of an `ar` archive of `size` bytes whose bytes `readAt` gives (up to `length`
 * of them from offset `at`); throws DebFormatError for a bad magic or a member that claims more
 * bytes than the file has.
 */
function arMembers(readAt: (at: number, length: number) => Buffer, size: number): ArMember[] {
  if (readAt(0, 8).toString('latin1') !== AR_MAGIC) {
    throw new DebFormatError('not a Debian package (no ar archive magic)');
  }
  const out: ArMember[] = [];
  for (let at = 8; at < size;) {
    const head = readAt(at, 60);
    if (head.length !== 60 || head.toString('latin1', 58, 60) !== '`\n') {
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
const CHUNK = 1 << 20;

/** A `.` or `..` segment, or an empty one: a name that needs normalizing (or refusing). */
const UNUSUAL_SEGMENT = /(^|\/)\.{1,2}(\/|$)|\/\//;

/** The path of a tar entry as dpkg installs it (`./usr/bin/x` → `/usr/bin/x`); throws for an absolute or `..` one. */
function entryPath(name: string, type: string): string {
  if (name.startsWith('/')) throw new DebFormatError(`data.tar entry ${JSON.stringify(name)} is an absolute path`);
  let rel = name.startsWith('./') ? name.slice(2) : name;
  if (rel.endsWith('/')) rel = rel.slice(0, -1);
  if (UNUSUAL_SEGMENT.test(rel)) {
    if (rel.split('/').includes('..')) {
      throw new DebFormatError(`data.tar entry ${JSON.stringify(name)} leaves the root (..)`);
    }
    rel = posix.normalize(rel).replace(/^\.$/, '').replace(/\/$/, '');
  }
  if (!rel) return '/';
  return `/${rel}${type === 'Directory' ? '/' : ''}`;
}

/**
 * A body taker for `entry` (see EntryVisitor) that gives `done` the whole body at its end; an entry
 * claiming more than `limit` bytes is refused with DebFormatError before anything is allocated.
 */
function collect(entry: EntryData, limit: number, what: string,
  done: (body: Buffer) => void): (part: Uint8Array) => void {
  if (entry.size > limit) throw new DebFormatError(`${what} is larger than ${limit} bytes`);
  const body = Buffer.allocUnsafe(entry.size);
  let at = 0;
  return (part) => {
    body.set(part, at);
    at += part.length;
    if (at === body.length) done(body);
  };
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

/** The size and digests of the file at `file`, in one streamed read. */
async function streamedDigests(file: string): Promise<{ md5: string; sha256: string; size: number }> {
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
 * One read buffer kept between packages (at most WHOLE_FILE_LIMIT bytes), so reading a thousand
 * packages does not allocate a thousand buffers, each of which V8 counts towards a garbage
 * collection. A read takes it and gives it back when the package is done; a read that finds it
 * taken (another readDeb in flight) or too small allocates its own.
 */
let spareReadBuffer: Buffer | undefined;

/** A buffer of at least `size` bytes with its own memory: the spare one when free and large enough. */
function takeReadBuffer(size: number): Buffer {
  const spare = spareReadBuffer;
  spareReadBuffer = undefined;
  return spare && spare.length >= size ? spare : Buffer.allocUnsafeSlow(size);
}

/** Gives the memory under `whole` (from takeReadBuffer) back as the spare read buffer. */
function giveBackReadBuffer(whole: Buffer): void {
  spareReadBuffer = Buffer.from(whole.buffer, 0, whole.buffer.byteLength);
}

/** A package opened: its bytes when read whole, its size (bytes) and `ar` members. */
interface OpenedDeb { whole?: Buffer; size: number; members: ArMember[] }

/**
 * Opens `file` without blocking on a FIFO, refuses what is not a non-empty regular file, reads it
 * whole when it has at most `wholeLimit` bytes, and lists its `ar` members. Throws DebFormatError
 * or the fs error.
 */
function openDeb(file: string, wholeLimit: number): OpenedDeb {
  // O_NONBLOCK: a FIFO named .deb opens at once instead of waiting for a writer (then refused)
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new DebFormatError('not a regular file');
    if (!st.size) throw new DebFormatError('the file is empty (0 bytes)');
    if (st.size <= wholeLimit) {
      const buf = takeReadBuffer(st.size);
      let n = 0;
      for (let got = 1; got && n < st.size; n += got) got = readSync(fd, buf, n, st.size - n, n);
      const whole = buf.subarray(0, n); // a file cut while it is read is judged by what it holds
      return { whole, size: n, members: arMembers((at, len) => whole.subarray(at, at + len), n) };
    }
    const readAt = (at: number, len: number) => {
      const b = Buffer.alloc(len);
      return b.subarray(0, readSync(fd, b, 0, len, at));
    };
    return { size: st.size, members: arMembers(readAt, st.size) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the `.deb` at `file` (see the module comment); `changelogLimit` newest changelog entries
 * are kept (default 10); a package of up to `wholeLimit` bytes is read whole (default
 * WHOLE_FILE_LIMIT; tests lower it to take the streamed path). Throws DebFormatError for anything
 * that is not a readable Debian package, or the fs error.
 */
export async function readDeb(file: string, changelogLimit = 10, wholeLimit = WHOLE_FILE_LIMIT): Promise<DebPackage> {
  const opened = openDeb(file, wholeLimit);
  try {
    return await readOpened(file, opened, changelogLimit);
  } finally {
    if (opened.whole) giveBackReadBuffer(opened.whole);
  }
}

/** readDeb's work once the file is open: digests, control paragraph, paths and changelog. */
async function readOpened(file: string, { whole, size, members }: OpenedDeb,
  changelogLimit: number): Promise<DebPackage> {
  const hex = (algorithm: string) => createHash(algorithm).update(whole!).digest('hex');
  // streamed, the digests read the file while its tarballs are read
  const digested = whole ? Promise.resolve({ md5: hex('md5'), sha256: hex('sha256'), size }) : streamedDigests(file);
  digested.catch(() => {}); // awaited below, unless a format error comes first
  if (members[0]?.name !== 'debian-binary') throw new DebFormatError('the first ar member is not debian-binary');
  const control = members.find((m) => /^control\.tar(\.(gz|xz|zst))?$/.test(m.name));
  const data = members.find((m) => /^data\.tar(\.(gz|xz|zst|bz2))?$/.test(m.name));
  if (!control || !data) throw new DebFormatError(`no ${control ? 'data' : 'control'}.tar member`);
  const bytesOf = (m: ArMember): MemberBytes => (whole ? whole.subarray(m.offset, m.offset + m.size)
    : () => (m.size ? createReadStream(file, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: CHUNK })
      : Readable.from([])));
  let paragraph: ControlParagraph | undefined;
  await walkMember(control.name, bytesOf(control), CONTROL_LIMIT, (e) => (e.path.replace(/^\.\//, '') !== 'control'
    ? undefined : collect(e, CONTROL_LIMIT, 'control', (b) => { paragraph = parseControl(b.toString('utf8')); })));
  if (!paragraph?.Package || !paragraph.Version) {
    throw new DebFormatError('control.tar holds no control file with Package and Version');
  }
  const files: string[] = [];
  let changelog: DebChangelogEntry[] = [];
  const changelogPath = `/usr/share/doc/${paragraph.Package}/changelog.Debian.gz`;
  await walkMember(data.name, bytesOf(data), Number.MAX_SAFE_INTEGER, (e) => {
    const path = entryPath(e.path, e.type);
    if (files.length >= PATH_LIMIT) throw new DebFormatError(`data.tar lists more than ${PATH_LIMIT} paths`);
    files.push(path);
    if (path !== changelogPath || e.type !== 'File') return undefined;
    return collect(e, CHANGELOG_LIMIT, 'changelog.Debian.gz', (gz) => {
      const text = gunzipSync(gz, { maxOutputLength: CHANGELOG_LIMIT });
      changelog = parseChangelog(text.toString('utf8'), changelogLimit);
    });
  });
  return { control: paragraph, files, changelog, ...(await digested) };
}
