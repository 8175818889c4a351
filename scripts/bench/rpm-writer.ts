/**
 * Writes valid binary RPM v4 packages directly, for bench corpora too large for rpmbuild (which
 * spends its time classifying and hashing each file: 30,000 realistic packages take it hours).
 * The output passes `rpm -K` (header SHA1 and SHA256, payload SHA256, MD5 over header and
 * payload), `rpm -qp`, and installs with `rpm -i --root`; createrepo_c indexes it as it does
 * rpmbuild's packages.
 *
 * Layout (rpm's `doc/manual/format.md`): a 96-byte lead, the signature header (region tag
 * HEADERSIGNATURES, 62) padded to 8 bytes, the main header (region tag HEADERIMMUTABLE, 63),
 * then the payload: a cpio `newc` archive (magic `070701`, names prefixed `./`) compressed with
 * gzip. Header rules followed (rpm `lib/header.c` `hdrblobVerifyInfo`/`hdrblobVerifyRegion`):
 * index entries sorted by tag after the region entry, data in index order and aligned to its
 * type, the region trailer last with offset `-(entries × 16)`. Tag numbers: rpm `rpmtag.h`.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { sha256 } from '../sha256.ts';
import { Sense, SigTag, Tag, TagType } from '../formats/format.ts';

const gzipAsync = promisify(gzip);

/** A dependency as rpmbuild stores it: name, rpmsense flags (rpmds.h) and version ('' for none). */
export interface CorpusDep { name: string; flags: number; version: string }

/**
 * One file of a package. `mode` is the full st_mode (type and permission bits); a directory has
 * no `data`. `flags` are RPMFILE_* bits (rpmfiles.h: CONFIG 1, NOREPLACE 16).
 */
export interface CorpusFile { path: string; mode: number; data?: Buffer; flags?: number }

/** Everything the writer puts into one package; times are epoch seconds. */
export interface CorpusPackage {
  name: string; version: string; release: string; arch: string;
  summary: string; description: string; license: string; url: string; group: string; sourcerpm: string;
  buildTime: number; buildHost: string;
  provides: CorpusDep[]; requires: CorpusDep[];
  recommends: CorpusDep[]; suggests: CorpusDep[]; supplements: CorpusDep[];
  /** Sorted by path (rpm looks files up by binary search). */
  files: CorpusFile[];
  /** Newest first, as rpmbuild stores them. */
  changelog: { time: number; name: string; text: string }[];
}

/** Tags this module adds to those scripts/formats/rpm/tags.ts already names (rpmtag.h). */
const T = {
  HEADERSIGNATURES: 62, HEADERIMMUTABLE: 63, HEADERI18NTABLE: 100, OS: 1021, FILESIZES: 1028,
  FILERDEVS: 1033, FILEMTIMES: 1034, FILEDIGESTS: 1035, FILELINKTOS: 1036, FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040, FILEVERIFYFLAGS: 1045, RPMVERSION: 1064, FILEDEVICES: 1095, FILEINODES: 1096,
  FILELANGS: 1097, PAYLOADFORMAT: 1124, PAYLOADCOMPRESSOR: 1125, PAYLOADFLAGS: 1126, PLATFORM: 1132,
  FILEDIGESTALGO: 5011, ENCODING: 5062,
} as const;

/** rpm's `PGPHASHALGO_SHA256`, the digest algorithm of file digests and the payload digest. */
const SHA256_ALGO = 8;
/** RPMSENSE_RPMLIB (rpmds.h): an `rpmlib(...)` feature require. */
const RPMLIB = 1 << 24;
const S_IFDIR = 0o040000;

type Value = string | string[] | number[] | Buffer;
interface Entry { tag: number; type: number; value: Value }

const typeAlign: Record<number, number> = { [TagType.INT16]: 2, [TagType.INT32]: 4, [TagType.INT64]: 8 };

/** Encodes one entry's data and its count (strings NUL-terminated, integers big-endian). */
function encodeValue(e: Entry): { data: Buffer; count: number } {
  const v = e.value;
  switch (e.type) {
    case TagType.STRING: return { data: Buffer.from(`${v as string}\0`), count: 1 };
    case TagType.STRING_ARRAY: case TagType.I18NSTRING: {
      const list = typeof v === 'string' ? [v] : (v as string[]);
      return { data: Buffer.from(list.map((s) => `${s}\0`).join('')), count: list.length };
    }
    case TagType.BIN: return { data: v as Buffer, count: (v as Buffer).length };
    case TagType.INT16: case TagType.INT32: {
      const nums = v as number[];
      const size = e.type === TagType.INT16 ? 2 : 4;
      const data = Buffer.alloc(nums.length * size);
      nums.forEach((n, i) => (size === 2 ? data.writeUInt16BE(n & 0xffff, i * 2) : data.writeUInt32BE(n >>> 0, i * 4)));
      return { data, count: nums.length };
    }
    default: throw new Error(`rpm-writer: tag ${e.tag}: type ${e.type} not supported`);
  }
}

/** One header structure (magic, counts, index, data) with `regionTag`'s region around all of it. */
function encodeHeader(entries: Entry[], regionTag: number): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const il = sorted.length + 1;
  const index = Buffer.alloc(il * 16);
  const chunks: Buffer[] = [];
  let offset = 0;
  sorted.forEach((e, i) => {
    const { data, count } = encodeValue(e);
    const align = typeAlign[e.type] ?? 1;
    const pad = (align - (offset % align)) % align;
    if (pad > 0) { chunks.push(Buffer.alloc(pad)); offset += pad; }
    index.writeUInt32BE(e.tag, (i + 1) * 16);
    index.writeUInt32BE(e.type, (i + 1) * 16 + 4);
    index.writeUInt32BE(offset, (i + 1) * 16 + 8);
    index.writeUInt32BE(count, (i + 1) * 16 + 12);
    chunks.push(data);
    offset += data.length;
  });
  const trailer = Buffer.alloc(16);
  trailer.writeUInt32BE(regionTag, 0);
  trailer.writeUInt32BE(TagType.BIN, 4);
  trailer.writeInt32BE(-il * 16, 8);
  trailer.writeUInt32BE(16, 12);
  index.writeUInt32BE(regionTag, 0);
  index.writeUInt32BE(TagType.BIN, 4);
  index.writeUInt32BE(offset, 8);
  index.writeUInt32BE(16, 12);
  chunks.push(trailer);
  const intro = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  intro.writeUInt32BE(il, 8);
  intro.writeUInt32BE(offset + 16, 12);
  return Buffer.concat([intro, index, ...chunks]);
}

/** The cpio `newc` archive of `files` (rpm's `lib/cpio.c` reads it); inode numbers are 1..n. */
function cpioArchive(files: CorpusFile[], mtime: number): Buffer {
  const parts: Buffer[] = [];
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  const entry = (name: string, ino: number, mode: number, nlink: number, data: Buffer) => {
    const nameBytes = Buffer.from(`${name}\0`);
    const head = `070701${hex(ino)}${hex(mode)}${hex(0)}${hex(0)}${hex(nlink)}${hex(mtime)}${hex(data.length)}`
      + `${hex(0)}${hex(0)}${hex(0)}${hex(0)}${hex(nameBytes.length)}${hex(0)}`;
    parts.push(Buffer.from(head, 'latin1'), nameBytes, Buffer.alloc((4 - ((110 + nameBytes.length) % 4)) % 4));
    parts.push(data, Buffer.alloc((4 - (data.length % 4)) % 4));
  };
  files.forEach((f, i) => entry(`.${f.path}`, i + 1, f.mode, f.data ? 1 : 2, f.data ?? Buffer.alloc(0)));
  entry('TRAILER!!!', 0, 0, 1, Buffer.alloc(0));
  return Buffer.concat(parts);
}

/** Splits paths the way rpm stores them: DIRNAMES (each ending in `/`), BASENAMES, DIRINDEXES. */
function compressedFileNames(paths: string[]): { dirnames: string[]; basenames: string[]; dirindexes: number[] } {
  const dirnames: string[] = [], basenames: string[] = [], dirindexes: number[] = [];
  const seen = new Map<string, number>();
  for (const p of paths) {
    const cut = p.lastIndexOf('/') + 1;
    const dir = p.slice(0, cut);
    let k = seen.get(dir);
    if (k === undefined) { k = dirnames.push(dir) - 1; seen.set(dir, k); }
    dirindexes.push(k);
    basenames.push(p.slice(cut));
  }
  return { dirnames, basenames, dirindexes };
}

const deps = (tags: [number, number, number], list: CorpusDep[]): Entry[] => (list.length === 0 ? [] : [
  { tag: tags[0], type: TagType.STRING_ARRAY, value: list.map((d) => d.name) },
  { tag: tags[1], type: TagType.STRING_ARRAY, value: list.map((d) => d.version) },
  { tag: tags[2], type: TagType.INT32, value: list.map((d) => d.flags) },
]);

/** The rpmlib() features a package written here relies on, as rpmbuild records them. */
const RPMLIB_REQUIRES: CorpusDep[] = [
  ['CompressedFileNames', '3.0.4-1'], ['FileDigests', '4.6.0-1'], ['PayloadFilesHavePrefix', '4.0-1'],
].map(([f, v]) => ({ name: `rpmlib(${f})`, flags: RPMLIB | Sense.LESS | Sense.EQUAL, version: v! }));

/** The main header entries of `pkg` whose payload is `payload` (gzip-compressed cpio). */
function mainEntries(pkg: CorpusPackage, payload: Buffer): Entry[] {
  const { files } = pkg;
  const sizes = files.map((f) => (f.data ? f.data.length : 4096));
  const { dirnames, basenames, dirindexes } = compressedFileNames(files.map((f) => f.path));
  const str = (tag: number, value: string): Entry => ({ tag, type: TagType.STRING, value });
  const i18n = (tag: number, value: string): Entry => ({ tag, type: TagType.I18NSTRING, value: [value] });
  const arr = (tag: number, value: string[]): Entry => ({ tag, type: TagType.STRING_ARRAY, value });
  const int32 = (tag: number, value: number[]): Entry => ({ tag, type: TagType.INT32, value });
  return [
    arr(T.HEADERI18NTABLE, ['C']), str(Tag.NAME, pkg.name), str(Tag.VERSION, pkg.version), str(Tag.RELEASE, pkg.release),
    i18n(Tag.SUMMARY, pkg.summary), i18n(Tag.DESCRIPTION, pkg.description), int32(Tag.BUILDTIME, [pkg.buildTime]),
    str(Tag.BUILDHOST, pkg.buildHost), int32(Tag.SIZE, [sizes.reduce((a, b) => a + b, 0)]), str(Tag.LICENSE, pkg.license),
    i18n(Tag.GROUP, pkg.group), str(Tag.URL, pkg.url), str(T.OS, 'linux'), str(Tag.ARCH, pkg.arch),
    int32(T.FILESIZES, sizes), { tag: Tag.FILEMODES, type: TagType.INT16, value: files.map((f) => f.mode) },
    { tag: T.FILERDEVS, type: TagType.INT16, value: files.map(() => 0) }, int32(T.FILEMTIMES, files.map(() => pkg.buildTime)),
    arr(T.FILEDIGESTS, files.map((f) => (f.data ? sha256(f.data) : ''))),
    arr(T.FILELINKTOS, files.map(() => '')), int32(Tag.FILEFLAGS, files.map((f) => f.flags ?? 0)),
    arr(T.FILEUSERNAME, files.map(() => 'root')), arr(T.FILEGROUPNAME, files.map(() => 'root')),
    str(Tag.SOURCERPM, pkg.sourcerpm), int32(T.FILEVERIFYFLAGS, files.map(() => 0xffffffff)),
    ...deps([Tag.PROVIDENAME, Tag.PROVIDEVERSION, Tag.PROVIDEFLAGS], pkg.provides),
    ...deps([Tag.REQUIRENAME, Tag.REQUIREVERSION, Tag.REQUIREFLAGS], [...pkg.requires, ...RPMLIB_REQUIRES]),
    str(T.RPMVERSION, '4.18.0'),
    ...(pkg.changelog.length ? [int32(Tag.CHANGELOGTIME, pkg.changelog.map((c) => c.time)),
      arr(Tag.CHANGELOGNAME, pkg.changelog.map((c) => c.name)), arr(Tag.CHANGELOGTEXT, pkg.changelog.map((c) => c.text))] : []),
    int32(T.FILEDEVICES, files.map(() => 1)), int32(T.FILEINODES, files.map((_, i) => i + 1)),
    arr(T.FILELANGS, files.map(() => '')), int32(Tag.DIRINDEXES, dirindexes), arr(Tag.BASENAMES, basenames),
    arr(Tag.DIRNAMES, dirnames), str(T.PAYLOADFORMAT, 'cpio'), str(T.PAYLOADCOMPRESSOR, 'gzip'),
    str(T.PAYLOADFLAGS, '1'), str(T.PLATFORM, `${pkg.arch}-redhat-linux-gnu`), int32(T.FILEDIGESTALGO, [SHA256_ALGO]),
    ...deps([Tag.RECOMMENDNAME, Tag.RECOMMENDVERSION, Tag.RECOMMENDFLAGS], pkg.recommends),
    ...deps([Tag.SUGGESTNAME, Tag.SUGGESTVERSION, Tag.SUGGESTFLAGS], pkg.suggests),
    ...deps([Tag.SUPPLEMENTNAME, Tag.SUPPLEMENTVERSION, Tag.SUPPLEMENTFLAGS], pkg.supplements),
    str(T.ENCODING, 'utf-8'),
    arr(Tag.PAYLOADDIGEST, [sha256(payload)]),
    int32(Tag.PAYLOADDIGESTALGO, [SHA256_ALGO]),
  ];
}

/** The 96-byte lead (rpm `lib/rpmlead.c`): magic, v3.0, binary, the NVR name, os 1, signature type 5. */
function lead(pkg: CorpusPackage): Buffer {
  const b = Buffer.alloc(96);
  b.set([0xed, 0xab, 0xee, 0xdb, 3, 0], 0);
  b.writeUInt16BE(0, 6);
  b.writeUInt16BE(1, 8);
  b.write(`${pkg.name}-${pkg.version}-${pkg.release}`.slice(0, 65), 10, 'latin1');
  b.writeUInt16BE(1, 76);
  b.writeUInt16BE(5, 78);
  return b;
}

/**
 * The bytes of the binary RPM of `pkg` (gzip level 1 payload, as rpmbuild's `w1.gzdio`).
 * Throws when a file is not sorted by path or the package exceeds 4 GiB (32-bit size tags).
 */
export async function writeRpm(pkg: CorpusPackage): Promise<Buffer> {
  for (let i = 1; i < pkg.files.length; i++) {
    const path = pkg.files[i]!.path;
    if (pkg.files[i - 1]!.path >= path) throw new Error(`rpm-writer: ${pkg.name}: files not sorted at ${path}`);
  }
  const archive = cpioArchive(pkg.files, pkg.buildTime);
  const payload = await gzipAsync(archive, { level: 1 });
  const header = encodeHeader(mainEntries(pkg, payload), T.HEADERIMMUTABLE);
  if (header.length + payload.length >= 2 ** 32) throw new Error(`rpm-writer: ${pkg.name}: 4 GiB or more`);
  const md5 = createHash('md5').update(header).update(payload).digest();
  const signature = encodeHeader([
    { tag: SigTag.SHA1, type: TagType.STRING, value: createHash('sha1').update(header).digest('hex') },
    { tag: SigTag.SHA256, type: TagType.STRING, value: sha256(header) },
    { tag: SigTag.SIZE, type: TagType.INT32, value: [header.length + payload.length] },
    { tag: SigTag.MD5, type: TagType.BIN, value: md5 },
    { tag: SigTag.PAYLOADSIZE, type: TagType.INT32, value: [archive.length] },
  ], T.HEADERSIGNATURES);
  const pad = Buffer.alloc((8 - (signature.length % 8)) % 8);
  return Buffer.concat([lead(pkg), signature, pad, header, payload]);
}

/** A directory entry for `CorpusPackage.files`. */
export const dirFile = (path: string): CorpusFile => ({ path, mode: S_IFDIR | 0o755 });

/** A dependency of a corpus package: `name`, rpmsense `flags` (0: any version) and `version`. */
export const corpusDep = (name: string, flags = 0, version = ''): CorpusDep => ({ name, flags, version });

/** Build time of every corpus package (epoch seconds, 2025-06-02), so corpora are the same everywhere. */
export const CORPUS_BUILD_TIME = 1748822400;
