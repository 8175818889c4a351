/**
 * Parser for one RPM header structure (signature or main header).
 * Layout (rpm's lib/header.c, summarised in rpm-md notes): 8-byte magic+reserved
 * (`8e ad e8 01 00 00 00 00`), index count il (u32 BE), store size dl (u32 BE),
 * il 16-byte entries (tag, type, offset, count; u32 BE each), then dl bytes of data store.
 */
import { TagType } from './tags.ts';
import { RpmFormatError } from './rpm-format-error.ts';

/** One header index entry, with its raw data kept for lazy decoding. */
export interface HeaderEntry {
  tag: number;
  type: number;
  offset: number;
  count: number;
}

/** Size in bytes of the fixed header intro (magic, reserved, il, dl). */
export const HEADER_INTRO_BYTES = 16;
const HEADER_MAGIC = 0x8eade801;

/**
 * Reads the intro of a header at `start` in `buf` and returns its total length in bytes
 * (16 + 16*il + dl). Throws RpmFormatError on bad magic or absurd sizes.
 */
export function headerLength(buf: Buffer, start: number, what: string): number {
  if (buf.length < start + HEADER_INTRO_BYTES) throw new RpmFormatError('truncated', `${what} header is cut short`);
  if (buf.readUInt32BE(start) !== HEADER_MAGIC) throw new RpmFormatError('bad-magic', `${what} header magic is wrong`);
  const il = buf.readUInt32BE(start + 8);
  const dl = buf.readUInt32BE(start + 12);
  // rpm's own limits (header.c: HEADER_TAGS_MAX 0x0000ffff entries, HEADER_DATA_MAX 256 MiB)
  if (il > 0xffff || dl > 256 * 1024 * 1024) throw new RpmFormatError('bad-header', `${what} header declares ${il} entries / ${dl} bytes`);
  return HEADER_INTRO_BYTES + 16 * il + dl;
}

/** Bytes per value of the integer types (CHAR, INT8, INT16, INT32, INT64), indexed by type. */
const INT_WIDTH: (number | undefined)[] = [];
INT_WIDTH[TagType.CHAR] = 1;
INT_WIDTH[TagType.INT8] = 1;
INT_WIDTH[TagType.INT16] = 2;
INT_WIDTH[TagType.INT32] = 4;
INT_WIDTH[TagType.INT64] = 8;

/** A decoded header: tag lookup with typed getters. Strings come back as raw bytes. */
export class RpmHeader {
  readonly entries = new Map<number, HeaderEntry>();
  private readonly store: Buffer;

  /** @param buf bytes holding the whole header from its magic; throws RpmFormatError when entries point outside the store. */
  constructor(buf: Buffer, what: string) {
    const il = buf.readUInt32BE(8);
    const dl = buf.readUInt32BE(12);
    const storeStart = HEADER_INTRO_BYTES + 16 * il;
    if (buf.length < storeStart + dl) throw new RpmFormatError('truncated', `${what} header is cut short`);
    this.store = buf.subarray(storeStart, storeStart + dl);
    for (let i = 0; i < il; i++) {
      const p = HEADER_INTRO_BYTES + 16 * i;
      const entry = { tag: buf.readUInt32BE(p), type: buf.readUInt32BE(p + 4), offset: buf.readUInt32BE(p + 8), count: buf.readUInt32BE(p + 12) };
      if (entry.offset > dl) throw new RpmFormatError('bad-header', `${what} header tag ${entry.tag} points outside the data store`);
      this.entries.set(entry.tag, entry);
    }
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** Integer array of an INT8/16/32/64 or CHAR tag ([] when absent). INT64 beyond 2^53 loses precision. */
  numbers(tag: number): number[] {
    const e = this.entries.get(tag);
    if (!e) return [];
    const width = INT_WIDTH[e.type];
    if (!width) throw new RpmFormatError('bad-header', `tag ${e.tag} has type ${e.type}, expected an integer`);
    this.check(e, width * e.count);
    const out = new Array<number>(e.count);
    const st = this.store;
    for (let i = 0, p = e.offset; i < e.count; i++, p += width) {
      out[i] = width === 4 ? st.readUInt32BE(p) : width === 1 ? st[p]! : width === 2 ? st.readUInt16BE(p) : Number(st.readBigUInt64BE(p));
    }
    return out;
  }

  /** First integer of a tag, or undefined when absent. */
  number(tag: number): number | undefined {
    return this.has(tag) ? this.numbers(tag)[0] : undefined;
  }

  /** Raw bytes of each string of a STRING, STRING_ARRAY or I18NSTRING tag ([] when absent). */
  rawStrings(tag: number): Buffer[] {
    const all = this.stringBlock(tag);
    if (!all) return [];
    const out: Buffer[] = [];
    let p = 0;
    for (let i = 0; i < all.count; i++) {
      const end = all.bytes.indexOf(0, p);
      out.push(all.bytes.subarray(p, end));
      p = end + 1;
    }
    return out;
  }

  /**
   * The bytes of all strings of a STRING, STRING_ARRAY or I18NSTRING tag as stored, each
   * ending in NUL, and how many there are (undefined when absent). Throws RpmFormatError for
   * another type or a string running past the data store.
   */
  stringBlock(tag: number): { bytes: Buffer; count: number } | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (e.type !== TagType.STRING && e.type !== TagType.STRING_ARRAY && e.type !== TagType.I18NSTRING) {
      throw new RpmFormatError('bad-header', `tag ${e.tag} has type ${e.type}, expected a string`);
    }
    const count = e.type === TagType.STRING ? 1 : e.count;
    let p = e.offset;
    for (let i = 0; i < count; i++) {
      const end = this.store.indexOf(0, p);
      if (end < 0) throw new RpmFormatError('bad-header', `tag ${e.tag} string runs past the data store`);
      p = end + 1;
    }
    return { bytes: this.store.subarray(e.offset, p), count };
  }

  /** Raw bytes of a BIN tag, or undefined when absent. */
  binary(tag: number): Buffer | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    this.check(e, e.count);
    return this.store.subarray(e.offset, e.offset + e.count);
  }

  private check(e: HeaderEntry, bytes: number): void {
    if (e.offset + bytes > this.store.length) throw new RpmFormatError('bad-header', `tag ${e.tag} data runs past the data store`);
  }
}
