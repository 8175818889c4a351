/**
 * Incremental indexing cache, kept on the output side (never in the mirror tree): per repo,
 * each package's repo-relative href mapped to the record read last time (an RPM's
 * PackageRecord, a `.deb`'s DebPackage: any JSON value), with the file's size, mtime (ms),
 * inode and device. A package whose four values are unchanged is neither re-read nor re-hashed.
 *
 * File format: JSON lines, `<dir>/<repo path prefix>-<hash>.jsonl`. The first line holds the context (tool
 * version, changelog limit, the repo's mirrored keys: another context drops the whole
 * cache); each further line is one entry `{href, size, mtimeMs, ino, dev, record}` or a
 * removal `{href, gone: true}`, later lines winning. A build appends only what changed, so
 * saving costs in proportion to the change; the file is rewritten whole when appended lines
 * outnumber live entries. A line that does not parse (a build killed while appending) is
 * ignored: its package is simply read again.
 */
import { sha256 } from '../sha256.ts';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import { type PackageRecord } from '../formats/format.ts';
import { Utf8Chunks } from '../utf8-chunks.ts';

/** One cached package: file identity, its record, and the record as JSON when already at hand. */
interface Entry<R> { size: number; mtimeMs: number; ino: number; dev: number; record: R; recordJson?: string }

/** Bytes per write to, and per read from, the cache file. */
const IO_BYTES = 1 << 20;

/** Cache of one repo's package records, of type `R` (default: RPM's PackageRecord). */
export class PackageCache<R = PackageRecord> {
  private readonly file: string;
  private readonly context: string;
  private readonly old: Map<string, Entry<R>>;
  /** Lines in the file now (0: no usable file, it is rewritten on save). */
  private readonly lines: number;
  private readonly next = new Map<string, Entry<R>>();
  private readonly changed = new Set<string>();
  hits = 0;

  private constructor(file: string, context: string, old: Map<string, Entry<R>>, lines: number) {
    this.file = file;
    this.context = context;
    this.old = old;
    this.lines = lines;
  }

  /**
   * The cache file of repo path `name` in `dir`: a readable prefix of `name` and a hash of all
   * of it, so unique per repo (`a/b` and `a_b` differ) and short for any depth (no ENAMETOOLONG).
   */
  static fileOf(dir: string, name: string): string {
    const hash = sha256(name).slice(0, 16);
    return join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}-${hash}.jsonl`);
  }

  /** Opens the cache of repo path `name` in `dir`; a missing or unreadable file or another context gives an empty cache. */
  static async open<R = PackageRecord>(dir: string, name: string, context: string): Promise<PackageCache<R>> {
    const file = PackageCache.fileOf(dir, name);
    const entries = new Map<string, Entry<R>>();
    let lines = 0;
    let sameContext = false;
    try {
      await readLines(file, (line) => {
        if (!line) return true;
        if (lines++ === 0) return (sameContext = parseOr<{ context?: string }>(line)?.context === context);
        const e = parseOr<Entry<R> & { href: string; gone?: boolean }>(line);
        if (e?.gone) entries.delete(e.href);
        else if (e) entries.set(e.href, { size: e.size, mtimeMs: e.mtimeMs, ino: e.ino, dev: e.dev, record: e.record });
        return true;
      });
    } catch {
      sameContext = false;
    }
    // another context or no usable file: start empty, and rewrite the file on save
    return sameContext ? new PackageCache<R>(file, context, entries, lines)
      : new PackageCache<R>(file, context, new Map(), 0);
  }

  /** The cached record for `href` if the file's size, mtime, inode and device are unchanged. */
  get(href: string, st: Stats): R | undefined {
    const e = this.old.get(href);
    if (e && e.size === st.size && e.mtimeMs === st.mtimeMs && e.ino === st.ino && e.dev === st.dev) {
      this.hits++;
      this.next.set(href, e);
      return e.record;
    }
    return undefined;
  }

  /**
   * Remembers a freshly read record; `recordJson` is `JSON.stringify(record)` when the caller
   * already has it (reader threads send records as JSON), so saving does not serialize it again.
   */
  set(href: string, st: Stats, record: R, recordJson?: string): void {
    this.next.set(href, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev, record, ...(recordJson !== undefined ? { recordJson } : {}) });
    this.changed.add(href);
  }

  /**
   * Records the entries seen in this run (packages not seen drop out): appends the changes,
   * or rewrites the file atomically when it is new or mostly superseded lines.
   */
  async save(): Promise<void> {
    const gone = [...this.old.keys()].filter((href) => !this.next.has(href));
    const appended = this.changed.size + gone.length;
    if (this.lines && !appended) return;
    await mkdir(join(this.file, '..'), { recursive: true });
    if (this.lines && this.lines + appended <= 2 * this.next.size + 64) {
      const changed = this.changed, next = this.next;
      await writeText(this.file, 'a', (function* () {
        for (const href of changed) yield* entryLine(href, next.get(href)!);
        for (const href of gone) yield `${JSON.stringify({ href, gone: true })}\n`;
      })());
      return;
    }
    const context = this.context, next = this.next;
    await writeText(`${this.file}.tmp`, 'w', (function* () {
      yield `${JSON.stringify({ context })}\n`;
      for (const [href, e] of next) yield* entryLine(href, e);
    })());
    await rename(`${this.file}.tmp`, this.file);
  }
}

/**
 * One entry line, `{href, size, mtimeMs, ino, dev, record}` and its newline, in pieces, so the
 * record's JSON (reused when known) is encoded as it is, never copied into a longer string.
 */
function* entryLine<R>(href: string, e: Entry<R>): Generator<string> {
  const head = JSON.stringify({ href, size: e.size, mtimeMs: e.mtimeMs, ino: e.ino, dev: e.dev });
  yield `${head.slice(0, -1)},"record":`;
  yield e.recordJson ?? JSON.stringify(e.record);
  yield '}\n';
}

/**
 * Writes `text` pieces (lines carry their own newlines) to `file` opened with `flags`
 * ('a' append, 'w' truncate), encoded into a reused 1 MiB buffer (see Utf8Chunks): the whole
 * file is never one string in memory.
 */
async function writeText(file: string, flags: 'a' | 'w', text: Iterable<string>): Promise<void> {
  const fh = await open(file, flags);
  const chunks = new Utf8Chunks(IO_BYTES);
  // one write(2) may take fewer bytes than given: go on until all are written
  const writeAll = async (chunk: Buffer) => {
    for (let off = 0; off < chunk.length;) off += (await fh.write(chunk, off)).bytesWritten;
    chunks.release(chunk);
  };
  try {
    for (const piece of text) for (const chunk of chunks.add(piece)) await writeAll(chunk);
    const last = chunks.take();
    if (last) await writeAll(last);
  } finally {
    await fh.close();
  }
}

/** `JSON.parse(text)`, or undefined when it does not parse (a line cut short by a killed build). */
function parseOr<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * Calls `onLine` with each line of `file` (UTF-8, without its newline; the last one even
 * without a newline) until it returns false. The file is read through one buffer of 1 MiB,
 * grown only for a longer line: it is never one string in memory, which on the 2-core VM made
 * loading a 10k cache three times slower (fresh pages for a 36 MB string). Throws when the
 * file cannot be read (ENOENT included).
 */
async function readLines(file: string, onLine: (line: string) => boolean): Promise<void> {
  const fh = await open(file, 'r');
  try {
    let buf = Buffer.allocUnsafeSlow(IO_BYTES);
    let have = 0;
    for (;;) {
      if (have === buf.length) buf = Buffer.concat([buf.subarray(0, have)], 2 * buf.length);
      const { bytesRead } = await fh.read(buf, have, buf.length - have, null);
      have += bytesRead;
      const data = buf.subarray(0, have);
      let start = 0;
      for (let nl = data.indexOf(10); nl !== -1; start = nl + 1, nl = data.indexOf(10, start)) {
        if (!onLine(data.toString('utf8', start, nl))) return;
      }
      if (!bytesRead) {
        if (start < have) onLine(data.toString('utf8', start, have));
        return;
      }
      buf.copy(buf, 0, start, have);
      have -= start;
    }
  } finally {
    await fh.close();
  }
}
