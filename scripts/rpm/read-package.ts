/**
 * Reads one .rpm file into a PackageRecord in a single pass: the bytes are hashed (sha256,
 * the pkgid) as they stream, and the lead, signature header and main header are parsed from
 * the first bytes. Layout: 96-byte lead (magic ed ab ee db), signature header padded to a
 * multiple of 8, main header, payload (rpm's lib/package.c; createrepo_c src/parsehdr.c for
 * how fields map to repodata).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { RpmHeader, headerLength, HEADER_INTRO_BYTES } from './header.ts';
import { RpmFormatError } from './rpm-format-error.ts';
import { FileFlag, SigTag, Tag } from './tags.ts';
import { decodeHeaderText } from './header-text.ts';
import { readDependencies } from './dependencies.ts';
import { describeSignature } from './openpgp-signature.ts';
import type { ChangelogEntry, PackageFile, PackageRecord, SignatureInfo } from './package-record.ts';

/** Size of the RPM lead in bytes. */
export const LEAD_BYTES = 96;
const LEAD_MAGIC = 0xedabeedb;
/** createrepo_c's default `--changelog-limit`. */
export const DEFAULT_CHANGELOG_LIMIT = 10;

/** Options for readPackage. */
export interface ReadPackageOptions {
  /** Newest changelog entries to keep (default 10, createrepo_c's default). */
  changelogLimit?: number;
  /** Called with the number of bytes read after each chunk (progress). */
  onBytes?: (bytes: number) => void;
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
  const fh = await open(filePath, 'r');
  let stat, pkgid: string, head: Buffer, layout: Layout | number = LEAD_BYTES;
  try {
    stat = await fh.stat();
    if (stat.size === 0) throw new RpmFormatError('empty', 'the file is empty (0 bytes)');
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let held = 0;
    for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false })) {
      const buf = chunk as Buffer;
      hash.update(buf);
      options.onBytes?.(buf.length);
      if (typeof layout === 'number') {
        chunks.push(buf);
        held += buf.length;
        if (held >= layout) layout = layoutOf(Buffer.concat(chunks));
      }
    }
    head = Buffer.concat(chunks);
    if (typeof layout === 'number') layout = layoutOf(head);
    if (typeof layout === 'number') throw new RpmFormatError('truncated', `the file ends inside the RPM headers (${stat.size} of at least ${layout} bytes)`);
    pkgid = hash.digest('hex');
  } finally {
    await fh.close();
  }
  const sig = new RpmHeader(head.subarray(layout.sigStart, layout.sigStart + layout.sigLength), 'signature');
  const hdr = new RpmHeader(head.subarray(layout.headerStart, layout.headerEnd), 'main');
  // Signature SIZE/LONGSIZE = main header + payload bytes: a shorter file lost its payload's tail.
  const expected = sig.number(SigTag.LONGSIZE) ?? sig.number(SigTag.SIZE);
  if (expected !== undefined && stat.size < layout.headerStart + expected) {
    throw new RpmFormatError('truncated', `the file is truncated (${stat.size} bytes, the signature header says ${layout.headerStart + expected})`);
  }
  return buildRecord(hdr, sig, { pkgid, size: stat.size, mtime: Math.floor(stat.mtimeMs / 1000), locationHref, ...layout }, options.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT);
}

interface FileFacts { pkgid: string; size: number; mtime: number; locationHref: string; headerStart: number; headerEnd: number }

const TAG_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Tag).map(([k, v]) => [v, k]));

function buildRecord(hdr: RpmHeader, sig: RpmHeader, f: FileFacts, changelogLimit: number): PackageRecord {
  const nonUtf8 = new Set<string>();
  const texts = (tag: number): string[] => hdr.rawStrings(tag).map((b) => {
    const d = decodeHeaderText(b);
    if (d.latin1) nonUtf8.add(TAG_NAMES[tag] ?? String(tag));
    return d.text;
  });
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
    signatures: readSignatures(sig),
    nonUtf8Tags: [],
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

/** Signatures from the header-only (RSA, DSA), header+payload (PGP, GPG) and rpm 6 OPENPGP tags. */
function readSignatures(sig: RpmHeader): SignatureInfo[] {
  const out: SignatureInfo[] = [];
  for (const [name, tag] of [['RSAHEADER', SigTag.RSA], ['DSAHEADER', SigTag.DSA], ['SIGPGP', SigTag.PGP], ['SIGGPG', SigTag.GPG]] as const) {
    const bin = sig.binary(tag);
    const info = bin && describeSignature(bin, name);
    if (info) out.push(info);
  }
  for (const b64 of sig.rawStrings(SigTag.OPENPGP)) {
    const info = describeSignature(Buffer.from(b64.toString('latin1'), 'base64'), 'OPENPGP');
    if (info) out.push(info);
  }
  return out;
}
