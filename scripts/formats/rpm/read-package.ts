/**
 * Reads one .rpm file into a PackageRecord in a single pass: the bytes are hashed (sha256,
 * the pkgid) as they stream, and the lead, signature header and main header are parsed from
 * the first bytes. Layout: 96-byte lead (magic ed ab ee db), signature header padded to a
 * multiple of 8, main header, payload (rpm's lib/package.c; createrepo_c src/parsehdr.c for
 * how fields map to repodata).
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, read, readSync, type Stats } from 'node:fs';
import { RpmHeader, headerLength, HEADER_INTRO_BYTES } from './header.ts';
import { RpmFormatError } from './rpm-format-error.ts';
import { fileKind } from '../../read-regular-file.ts';
import { FileFlag, SigTag, Tag } from './tags.ts';
import { decodeHeaderText } from './header-text.ts';
import { readDependencies } from './dependencies.ts';
import { describeSignature } from './openpgp-signature.ts';
import type { ChangelogEntry, PackageFile, PackageRecord } from './package-record.ts';

/** Size of the RPM lead in bytes. */
export const LEAD_BYTES = 96;
const LEAD_MAGIC = 0xedabeedb;
/** Packages up to this size (bytes) are read with one call; larger ones stream in 1 MiB chunks. */
const WHOLE_READ_BYTES = 8 << 20;
/** createrepo_c's default `--changelog-limit`. */
export const DEFAULT_CHANGELOG_LIMIT = 10;

/** Verdict on one signature: checked against the mirrored keys, or why not. */
export type SignatureVerdict = 'good' | 'bad' | 'unknown-key' | 'unchecked';

/**
 * Checks one signature packet over the bytes it signs (the main header, for the header-only
 * RSAHEADER/DSAHEADER/OPENPGP signatures rpm >= 4.14 relies on).
 */
export type SignatureVerifier = (packet: Buffer, signedData: Buffer) => Promise<SignatureVerdict>;

/** Options for readPackage. */
export interface ReadPackageOptions {
  /** Newest changelog entries to keep (default 10, createrepo_c's default). */
  changelogLimit?: number;
  /** Called with the number of bytes read after each chunk (progress). */
  onBytes?: (bytes: number) => void;
  /** Verifies header signatures; without it every signature is 'unchecked'. */
  verifySignature?: SignatureVerifier;
  /** Packages up to this many bytes are read with one call (default 8 MiB); larger ones in chunks. */
  wholeReadBytes?: number;
  /** Chunk size in bytes for larger packages (default 1 MiB). */
  chunkBytes?: number;
}

/** Byte offsets found in the first bytes of a package. */
interface Layout { sigStart: number; sigLength: number; headerStart: number; headerEnd: number }

/** Returns the layout if `head` holds both headers, the byte count still needed otherwise. */
function layoutOf(head: Buffer): Layout | number {
  if (head.length >= 4 && head.readUInt32BE(0) !== LEAD_MAGIC) throw new RpmFormatError('bad-magic', 'the file does not start with the RPM lead magic ed ab ee db');
  if (head.length < LEAD_BYTES + HEADER_INTRO_BYTES) return LEAD_BYTES + HEADER_INTRO_BYTES;
  const sigLength = headerLength(head, LEAD_BYTES, 'signature');
  const headerStart = LEAD_BYTES + sigLength + ((8 - (sigLength % 8)) % 8);
  if (head.length < headerStart + HEADER_INTRO_BYTES) return headerStart + HEADER_INTRO_BYTES;
  const headerEnd = headerStart + headerLength(head, headerStart, 'main');
  if (head.length < headerEnd) return headerEnd;
  return { sigStart: LEAD_BYTES, sigLength, headerStart, headerEnd };
}

/**
 * Reads and hashes `filePath`. `locationHref` is the path relative to the repo root.
 * Throws RpmFormatError for files that are not whole RPM packages (empty, truncated, wrong
 * magic, corrupt header) and the fs error (ENOENT, EACCES, EISDIR, ...) when it cannot be read.
 */
export async function readPackage(filePath: string, locationHref: string, options: ReadPackageOptions = {}): Promise<PackageRecord> {
  // Small packages: synchronous open/fstat/read/close into a reused buffer (each async call
  // is a thread-pool round trip, and fresh buffers cost a page fault per 4 KiB, both more
  // than the read itself); large ones in double-buffered chunks.
  // O_NONBLOCK: a FIFO named .rpm opens at once instead of waiting for a writer (then refused below)
  const fd = openSync(filePath, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  let stat: Stats, pkgid: string;
  let digests: DigestState | undefined;
  try {
    stat = fstatSync(fd);
    if (!stat.isFile()) throw new RpmFormatError('bad-magic', `${fileKind(stat)}, not a regular file`);
    if (stat.size === 0) throw new RpmFormatError('empty', 'the file is empty (0 bytes)');
    const hash = createHash('sha256');
    // `consume` gets reused buffers: the chunked path keeps copies of the first bytes until
    // both headers are in, and a copy of the headers. A whole read is used up before this
    // call first awaits (see the signature loop), so its headers are not copied.
    const whole = stat.size <= (options.wholeReadBytes ?? WHOLE_READ_BYTES);
    let start: Buffer[] = [];
    let held = 0;
    /** Bytes needed before the headers can be parsed (grows as their sizes become known). */
    let need = LEAD_BYTES;
    /** Parses the headers at the start of `all` and feeds the rest; false when `all` is too short. */
    const begin = (all: Buffer): boolean => {
      const layout = layoutOf(all);
      if (typeof layout === 'number') {
        need = layout;
        return false;
      }
      const head = all.subarray(0, layout.headerEnd);
      digests = new DigestState(whole ? head : Buffer.from(head), layout);
      digests.feed(all.subarray(layout.headerEnd));
      return true;
    };
    const consume = (buf: Buffer) => {
      hash.update(buf);
      options.onBytes?.(buf.length);
      if (digests) return digests.feed(buf);
      held += buf.length;
      if (held < need) return void start.push(Buffer.from(buf));
      const all = start.length ? Buffer.concat([...start, buf]) : buf;
      start = begin(all) ? [] : [Buffer.from(all)];
    };
    if (whole) consume(readWhole(fd, stat.size));
    else await readChunks(fd, consume, options.chunkBytes ?? CHUNK_BYTES);
    if (!digests && !begin(Buffer.concat(start))) throw new RpmFormatError('truncated', `the file ends inside the RPM headers (${stat.size} of at least ${need} bytes)`);
    pkgid = hash.digest('hex');
  } finally {
    closeSync(fd);
  }
  const state = digests!; // set by begin(), or the file was thrown out above
  const { head, layout, sig, hdr } = state;
  // Signature SIZE/LONGSIZE = main header + payload bytes: a shorter file lost its payload's tail.
  const expected = sig.number(SigTag.LONGSIZE) ?? sig.number(SigTag.SIZE);
  if (expected !== undefined && stat.size < layout.headerStart + expected) {
    throw new RpmFormatError('truncated', `the file is truncated (${stat.size} bytes, the signature header says ${layout.headerStart + expected})`);
  }
  const record = buildRecord(hdr, sig, { pkgid, size: stat.size, mtime: Math.floor(stat.mtimeMs / 1000), locationHref, ...layout }, options.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT);
  record.digestProblems = state.problems();
  record.digestsChecked = state.checked;
  // `head` may be the reused read buffer: anything used after an await is copied first.
  const verify = options.verifySignature;
  const packets = signaturePackets(sig).map((x) => (verify ? { ...x, packet: Buffer.from(x.packet) } : x));
  const headerBytes = verify && Buffer.from(head.subarray(layout.headerStart, layout.headerEnd));
  record.signatures = [];
  for (const { source, packet } of packets) {
    const info = describeSignature(packet, source);
    if (!info) continue;
    info.verdict = !verify || !headerBytes || !HEADER_ONLY.has(source) ? 'unchecked' : await verify(packet, headerBytes);
    record.signatures.push(info);
  }
  return record;
}

/** Per-thread read buffer for whole small packages (grows up to WHOLE_READ_BYTES). */
let scratch = Buffer.allocUnsafe(0);

/**
 * Reads `size` bytes from the start of `fd` (fewer if the file shrank meanwhile) into the
 * shared scratch buffer: the view is only valid until the next call.
 */
function readWhole(fd: number, size: number): Buffer {
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, Math.min(WHOLE_READ_BYTES, Math.max(2 * scratch.length, 1 << 20))));
  let got = 0;
  while (got < size) {
    const n = readSync(fd, scratch, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return scratch.subarray(0, got);
}

/** Default bytes per chunk when a large package streams. */
const CHUNK_BYTES = 1 << 20;

const readAt = (fd: number, buf: Buffer, position: number) =>
  new Promise<number>((resolve, reject) => read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))));

/**
 * Feeds the whole file to `consume` in chunks, reading the next chunk while the current one
 * is consumed. The chunks share two buffers: `consume` must copy what it keeps.
 */
async function readChunks(fd: number, consume: (chunk: Buffer) => void, chunkBytes: number): Promise<void> {
  const bufs = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)] as const;
  let position = 0;
  let k = 0;
  let next = readAt(fd, bufs[0], 0);
  for (;;) {
    const n = await next;
    if (n === 0) return;
    const current = bufs[k]!.subarray(0, n);
    position += n;
    k ^= 1;
    next = readAt(fd, bufs[k]!, position);
    try {
      consume(current);
    } catch (err) {
      await next.catch(() => 0); // never close the fd under a read in flight
      throw err;
    }
  }
}

/** Signature tags whose signature covers the main header only. */
const HEADER_ONLY = new Set(['RSAHEADER', 'DSAHEADER', 'OPENPGP']);

/** Signature packets of the header-only (RSA, DSA), header+payload (PGP, GPG) and rpm 6 OPENPGP tags, in that order. */
function signaturePackets(sig: RpmHeader): { source: string; packet: Buffer }[] {
  const out: { source: string; packet: Buffer }[] = [];
  for (const [source, tag] of [['RSAHEADER', SigTag.RSA], ['DSAHEADER', SigTag.DSA], ['SIGPGP', SigTag.PGP], ['SIGGPG', SigTag.GPG]] as const) {
    const packet = sig.binary(tag);
    if (packet) out.push({ source, packet });
  }
  for (const b64 of sig.rawStrings(SigTag.OPENPGP)) out.push({ source: 'OPENPGP', packet: Buffer.from(b64.toString('latin1'), 'base64') });
  return out;
}

/** rpm's PAYLOADDIGESTALGO values (rpmpgp.h pgpHashAlgo) → node hash names. */
const HASH_ALGO: Record<number, string> = { 1: 'md5', 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512' };

/**
 * The digests rpm -K checks, computed while the file streams: header SHA256/SHA1 (signature
 * tags 273/269, over the main header), PAYLOADDIGEST (main tag 5092, over the compressed
 * payload, algorithm in tag 5093), and MD5 (signature tag 1004, over header + payload) for
 * packages without a payload digest.
 */
class DigestState {
  readonly sig: RpmHeader;
  readonly hdr: RpmHeader;
  readonly head: Buffer;
  readonly checked: string[] = [];
  readonly layout: Layout;
  private readonly payload?: { hash: ReturnType<typeof createHash>; expected: string; name: string };
  private readonly md5?: { hash: ReturnType<typeof createHash>; expected: string };

  /** @param head the package's bytes from 0 to `layout.headerEnd` (lead and both headers), kept */
  constructor(head: Buffer, layout: Layout) {
    this.head = head;
    this.layout = layout;
    this.sig = new RpmHeader(head.subarray(layout.sigStart, layout.sigStart + layout.sigLength), 'signature');
    this.hdr = new RpmHeader(head.subarray(layout.headerStart, layout.headerEnd), 'main');
    const payloadDigest = this.hdr.rawStrings(Tag.PAYLOADDIGEST)[0]?.toString('latin1');
    const algo = HASH_ALGO[this.hdr.number(Tag.PAYLOADDIGESTALGO) ?? 8];
    if (payloadDigest && algo) this.payload = { hash: createHash(algo), expected: payloadDigest.toLowerCase(), name: `payload ${algo.toUpperCase()}` };
    // MD5 covers header + payload: redundant when header SHA256 and a payload digest exist
    // (rpm >= 4.14 packages), so it is only computed for older packages, saving a third pass.
    const md5 = this.sig.binary(SigTag.MD5);
    if (md5?.length === 16 && !this.payload) this.md5 = { hash: createHash('md5'), expected: md5.toString('hex') };
    this.md5?.hash.update(head.subarray(layout.headerStart));
  }

  /** Feeds payload bytes, in file order, after the headers. */
  feed(buf: Buffer): void {
    this.md5?.hash.update(buf);
    this.payload?.hash.update(buf);
  }

  /** Names of the digests that do not match, e.g. `header SHA256`; records what was checked. */
  problems(): string[] {
    const bad: string[] = [];
    const header = this.head.subarray(this.layout.headerStart, this.layout.headerEnd);
    for (const [name, tag, algo] of [['header SHA256', SigTag.SHA256, 'sha256'], ['header SHA1', SigTag.SHA1, 'sha1']] as const) {
      const expected = this.sig.rawStrings(tag)[0]?.toString('latin1').toLowerCase();
      if (!expected) continue;
      this.checked.push(name);
      if (createHash(algo).update(header).digest('hex') !== expected) bad.push(name);
    }
    if (this.payload) {
      this.checked.push(this.payload.name);
      if (this.payload.hash.digest('hex') !== this.payload.expected) bad.push(this.payload.name);
    }
    if (this.md5) {
      this.checked.push('MD5');
      if (this.md5.hash.digest('hex') !== this.md5.expected) bad.push('MD5');
    }
    return bad;
  }
}

interface FileFacts { pkgid: string; size: number; mtime: number; locationHref: string; headerStart: number; headerEnd: number }

const TAG_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Tag).map(([k, v]) => [v, k]));

function buildRecord(hdr: RpmHeader, sig: RpmHeader, f: FileFacts, changelogLimit: number): PackageRecord {
  const nonUtf8 = new Set<string>();
  const texts = (tag: number): string[] => {
    const block = hdr.stringBlock(tag);
    if (!block?.count) return [];
    // Valid UTF-8 as a whole (NUL never occurs inside a multi-byte sequence): one decode.
    if (isUtf8(block.bytes)) return block.bytes.toString('utf8', 0, block.bytes.length - 1).split('\0');
    return hdr.rawStrings(tag).map((b) => {
      const d = decodeHeaderText(b);
      if (d.latin1) nonUtf8.add(TAG_NAMES[tag] ?? String(tag));
      return d.text;
    });
  };
  const text = (tag: number): string => texts(tag)[0] ?? '';

  const files = readFiles(hdr, texts);
  // rpm's headerIsSource(): no SOURCERPM tag; rpmbuild also sets SOURCEPACKAGE on source packages.
  const isSource = (hdr.number(Tag.SOURCEPACKAGE) ?? 0) !== 0 || !hdr.has(Tag.SOURCERPM);
  const record: PackageRecord = {
    name: text(Tag.NAME),
    epoch: String(hdr.number(Tag.EPOCH) ?? 0),
    version: text(Tag.VERSION),
    release: text(Tag.RELEASE),
    arch: isSource ? 'src' : text(Tag.ARCH),
    pkgid: f.pkgid,
    summary: text(Tag.SUMMARY),
    description: text(Tag.DESCRIPTION),
    packager: text(Tag.PACKAGER),
    url: text(Tag.URL),
    license: text(Tag.LICENSE),
    vendor: text(Tag.VENDOR),
    group: text(Tag.GROUP),
    buildhost: text(Tag.BUILDHOST),
    sourcerpm: text(Tag.SOURCERPM),
    timeFile: f.mtime,
    timeBuild: hdr.number(Tag.BUILDTIME) ?? 0,
    sizePackage: f.size,
    sizeInstalled: hdr.number(Tag.LONGSIZE) ?? hdr.number(Tag.SIZE) ?? 0,
    sizeArchive: sig.number(SigTag.LONGARCHIVESIZE) ?? sig.number(SigTag.PAYLOADSIZE) ?? hdr.number(Tag.ARCHIVESIZE) ?? 0,
    locationHref: f.locationHref,
    headerStart: f.headerStart,
    headerEnd: f.headerEnd,
    deps: readDependencies(hdr, texts, new Set(files.map((x) => x.path))),
    files,
    changelogs: readChangelogs(hdr, texts, changelogLimit),
    signatures: [],
    nonUtf8Tags: [],
    digestProblems: [],
    digestsChecked: [],
  };
  if (!record.name || !record.version) throw new RpmFormatError('bad-header', 'the main header has no NAME or VERSION');
  record.nonUtf8Tags = [...nonUtf8].sort();
  return record;
}

/** File list from BASENAMES/DIRNAMES/DIRINDEXES (or legacy OLDFILENAMES); dir before ghost like createrepo_c. */
function readFiles(hdr: RpmHeader, texts: (tag: number) => string[]): PackageFile[] {
  const basenames = texts(Tag.BASENAMES);
  const paths = basenames.length
    ? ((dirs, idx) => basenames.map((b, i) => (dirs[idx[i] ?? 0] ?? '') + b))(texts(Tag.DIRNAMES), hdr.numbers(Tag.DIRINDEXES))
    : texts(Tag.OLDFILENAMES);
  const modes = hdr.numbers(Tag.FILEMODES);
  const flags = hdr.numbers(Tag.FILEFLAGS);
  return paths.map((path, i) => ({
    path,
    type: ((modes[i] ?? 0) & 0o170000) === 0o040000 ? 'dir' : (flags[i] ?? 0) & FileFlag.GHOST ? 'ghost' : 'file',
  }));
}

/**
 * The newest `limit` changelog entries, oldest first. Entries sharing a timestamp get the
 * newer one bumped by a second, and author trailing spaces are trimmed (createrepo_c).
 */
function readChangelogs(hdr: RpmHeader, texts: (tag: number) => string[], limit: number): ChangelogEntry[] {
  const times = hdr.numbers(Tag.CHANGELOGTIME);
  const names = texts(Tag.CHANGELOGNAME);
  const bodies = texts(Tag.CHANGELOGTEXT);
  const n = Math.min(times.length, names.length, bodies.length, Math.max(limit, 0));
  const out: ChangelogEntry[] = [];
  let lastTime = 0;
  for (let i = 0; i < n; i++) {
    const date = times[i]!;
    const author = names[i]!;
    out.unshift({ author: author.length > 1 ? author[0] + author.slice(1).replace(/ +$/, '') : author, date, text: bodies[i]! });
    if (lastTime === date) {
      let t = date;
      for (let k = 1; k < out.length && out[k]!.date === t; k++, t++) out[k]!.date++;
    } else {
      lastTime = date;
    }
  }
  return out;
}
