/**
 * One tarball member of a `.deb` (deb(5): `control.tar` and `data.tar`, plain or compressed with
 * gzip, xz, zstd or bzip2), unpacked and walked entry by entry with node-tar's pull parser
 * (`tar/core` Parser, strict: ustar, GNU long names and PAX headers; a bad checksum, a cut archive
 * or a size it cannot read refuses the member).
 *
 * A member held in memory whose compression node:zlib can undo in one call (gzip, zstd, none) is
 * unpacked so, bounded by maxOutputLength: no stream, no callback per chunk, which is most of the
 * time a package takes. A member that unpacks past WHOLE_UNPACK_LIMIT, a member of a package read in
 * parts, and xz (xz-decompress) or bzip2 (unbzip2-stream) members go through a stream instead, so
 * memory stays bounded whatever the member claims or unpacks to.
 */
import { Duplex, PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createZstdDecompress, gunzipSync, zstdDecompressSync } from 'node:zlib';
import { Parser, type EntryData } from 'tar/core';
import xz from 'xz-decompress';
import bz2 from 'unbzip2-stream';

/** Thrown for a file that is not a readable `.deb`; the message says why. */
export class DebFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DebFormatError';
  }
}

/** Unpacked bytes of a member held in memory at once (beyond it the member is unpacked again as a stream). */
export const WHOLE_UNPACK_LIMIT = 64 << 20;

/** Output chunk of the streamed decompressors (bytes): large, so a big member takes few callbacks. */
const CHUNK = 1 << 20;

/** The member's bytes: in memory, or a function that opens a stream of them. */
export type MemberBytes = Buffer | (() => Readable);

/**
 * What a walk does with each entry: `entry` is called for every entry (files, directories, links,
 * devices) in tarball order and returns a function to take the entry's body in parts, or nothing
 * to skip it. It may throw DebFormatError to refuse the package.
 */
export type EntryVisitor = (entry: EntryData) => ((part: Uint8Array) => void) | undefined;

/** A decompressing stream for a member by its name's ending; throws DebFormatError for an unknown one. */
function decompressor(name: string): Duplex {
  if (name.endsWith('.gz')) return createGunzip({ chunkSize: CHUNK });
  if (name.endsWith('.zst')) return createZstdDecompress({ chunkSize: CHUNK });
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

/** What node:zlib's one-call unpackers take: the output bound and the size of each output piece (bytes). */
type UnpackOptions = { maxOutputLength: number; chunkSize?: number };

/** node:zlib's one-call unpacker for the member's compression (none: the bytes as they are), if it has one. */
function wholeUnpacker(name: string): ((b: Buffer, o: UnpackOptions) => Buffer) | undefined {
  if (name.endsWith('.gz')) return gunzipSync;
  if (name.endsWith('.zst')) return zstdDecompressSync;
  return name.endsWith('.tar') ? (b) => b : undefined;
}

/** deflate's largest ratio (zlib's technical details: 1032:1), which bounds what a gzip member can unpack to. */
const DEFLATE_MAX_RATIO = 1032;

/** node:zlib's default output piece (16 KiB). */
const Z_DEFAULT_CHUNK = constants.Z_DEFAULT_CHUNK;

/** The unpacked size a gzip member's trailer states (ISIZE, RFC 1952 §2.3.1: modulo 2^32; zlib checks it). */
const gzipIsize = (bytes: Buffer) => (bytes.length >= 18 ? bytes.readUInt32LE(bytes.length - 4) : 0);

/**
 * The output piece size for gunzip of `bytes`: ISIZE, so the output is one piece instead of many
 * joined at the end. Never less than Z_DEFAULT_CHUNK, nor more than `max` + 1 or DEFLATE_MAX_RATIO
 * times the bytes, so a false ISIZE (which zlib then refuses: "incorrect length check") costs no
 * more than the real data would.
 */
function gzipPieceSize(bytes: Buffer, max: number): number {
  return Math.max(Z_DEFAULT_CHUNK, Math.min(gzipIsize(bytes) + 1, max + 1, bytes.length * DEFLATE_MAX_RATIO));
}

/**
 * `bytes` of member `name` unpacked by `unpack` in one call, at most `max` bytes; undefined when
 * the result would pass `max`. Throws DebFormatError for damaged data.
 */
function unpackWhole(name: string, unpack: NonNullable<ReturnType<typeof wholeUnpacker>>, bytes: Buffer,
  max: number): Buffer | undefined {
  try {
    const piece = name.endsWith('.gz') ? { chunkSize: gzipPieceSize(bytes, max) } : {};
    const out = unpack(bytes, { maxOutputLength: max, ...piece });
    return out.length > max ? undefined : out;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw new DebFormatError(`${name}: ${(err as Error).message}`);
  }
}

/** A strict tar parser fed unpacked bytes; each entry and body part goes to `visit` (see EntryVisitor). */
function tarWalk(name: string, visit: EntryVisitor): { push(part: Uint8Array): void; end(): void } {
  const parser = new Parser({ strict: true });
  let body: ((part: Uint8Array) => void) | undefined;
  const drain = () => {
    try {
      for (let ev = parser.next(); ev; ev = parser.next()) {
        if (ev.type === 'entry') body = visit(ev.entry);
        else if (ev.type === 'body') body?.(ev.data);
        else body = undefined;
      }
    } catch (err) {
      throw err instanceof DebFormatError ? err : new DebFormatError(`${name}: ${(err as Error).message}`);
    }
  };
  return {
    push: (part) => { parser.push(part); drain(); },
    end: () => { parser.end(); drain(); },
  };
}

/**
 * Unpacks member `name` (its bytes: `bytes`) and walks its entries with `visit`; refuses with
 * DebFormatError once it unpacks to more than `limit` bytes, for a compression not known, damaged
 * compressed data, or a damaged tarball. Throws the fs error of a streamed read.
 */
export async function walkMember(name: string, bytes: MemberBytes, limit: number, visit: EntryVisitor): Promise<void> {
  const walk = tarWalk(name, visit);
  const tooBig = () => new DebFormatError(`${name} unpacks to more than ${limit} bytes`);
  const unpack = wholeUnpacker(name);
  // a gzip trailer stating more than memory holds: straight to the stream (a false one is refused there)
  const streamFirst = limit > WHOLE_UNPACK_LIMIT && Buffer.isBuffer(bytes) && name.endsWith('.gz')
    && gzipIsize(bytes) > WHOLE_UNPACK_LIMIT;
  if (Buffer.isBuffer(bytes) && unpack && !streamFirst) {
    const whole = unpackWhole(name, unpack, bytes, Math.min(limit, WHOLE_UNPACK_LIMIT));
    if (whole) {
      walk.push(whole);
      return walk.end();
    }
    if (limit <= WHOLE_UNPACK_LIMIT) throw tooBig();
  }
  let unpacked = 0;
  const source = Buffer.isBuffer(bytes) ? Readable.from([bytes]) : bytes();
  const sink = new Writable({
    write(part: Buffer, _encoding, next) {
      unpacked += part.length;
      try {
        if (unpacked > limit) throw tooBig();
        walk.push(part);
        next();
      } catch (err) {
        next(err as Error);
      }
    },
    final(done) {
      try {
        walk.end();
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
  await pipeline(source, decompressor(name), sink).catch((err: Error) => {
    throw err instanceof DebFormatError ? err : new DebFormatError(`${name}: ${err.message}`);
  });
}
