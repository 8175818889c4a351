/**
 * Incremental indexing cache, kept on the output side (never in the mirror tree): per repo,
 * each package's repo-relative href mapped to the record read last time, with the file's
 * size, mtime (ms), inode and device. A package whose four values are unchanged is neither
 * re-read nor re-hashed.
 *
 * File format: JSON lines, `<dir>/<repo>.jsonl`. The first line holds the context (tool
 * version, changelog limit, the repo's mirrored keys: another context drops the whole
 * cache); each further line is one entry `{href, size, mtimeMs, ino, dev, record}` or a
 * removal `{href, gone: true}`, later lines winning. A build appends only what changed, so
 * saving costs in proportion to the change; the file is rewritten whole when appended lines
 * outnumber live entries. A line that does not parse (a build killed while appending) is
 * ignored: its package is simply read again.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import type { PackageRecord } from '../rpm/package-record.ts';

/** One cached package: file identity, its record, and the record as JSON when already at hand. */
interface Entry { size: number; mtimeMs: number; ino: number; dev: number; record: PackageRecord; recordJson?: string }

/** Characters of lines gathered before one write to the cache file. */
const WRITE_CHARS = 1 << 20;

/** Cache of one repo's package records. */
export class PackageCache {
  private readonly file: string;
  private readonly context: string;
  private readonly old: Map<string, Entry>;
  /** Lines in the file now (0: no usable file, it is rewritten on save). */
  private readonly lines: number;
  private readonly next = new Map<string, Entry>();
  private readonly changed = new Set<string>();
  hits = 0;

  private constructor(file: string, context: string, old: Map<string, Entry>, lines: number) {
    this.file = file;
    this.context = context;
    this.old = old;
    this.lines = lines;
  }

  /** Opens `<dir>/<name>.jsonl`; a missing or unreadable file or another context gives an empty cache. */
  static async open(dir: string, name: string, context: string): Promise<PackageCache> {
    const file = join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
    const text = await readFile(file, 'utf8').catch(() => '');
    const lines = text.split('\n').filter(Boolean);
    const entries = new Map<string, Entry>();
    let head: { context?: string } | undefined;
    try {
      head = JSON.parse(lines[0] ?? '') as { context?: string };
    } catch {
      head = undefined;
    }
    if (head?.context !== context) return new PackageCache(file, context, entries, 0);
    for (const line of lines.slice(1)) {
      let e: Entry & { href: string; gone?: boolean };
      try {
        e = JSON.parse(line) as Entry & { href: string; gone?: boolean };
      } catch {
        continue;
      }
      if (e.gone) entries.delete(e.href);
      else entries.set(e.href, { size: e.size, mtimeMs: e.mtimeMs, ino: e.ino, dev: e.dev, record: e.record });
    }
    return new PackageCache(file, context, entries, lines.length);
  }

  /** The cached record for `href` if the file's size, mtime, inode and device are unchanged. */
  get(href: string, st: Stats): PackageRecord | undefined {
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
  set(href: string, st: Stats, record: PackageRecord, recordJson?: string): void {
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
      await writeLines(this.file, 'a', [...[...this.changed].map((href) => entryLine(href, this.next.get(href)!)), ...gone.map((href) => JSON.stringify({ href, gone: true }))]);
      return;
    }
    const context = this.context, next = this.next;
    await writeLines(`${this.file}.tmp`, 'w', (function* () {
      yield JSON.stringify({ context });
      for (const [href, e] of next) yield entryLine(href, e);
    })());
    await rename(`${this.file}.tmp`, this.file);
  }
}

/** One entry line, `{href, size, mtimeMs, ino, dev, record}`, reusing the record's JSON when known. */
function entryLine(href: string, e: Entry): string {
  const head = JSON.stringify({ href, size: e.size, mtimeMs: e.mtimeMs, ino: e.ino, dev: e.dev });
  return `${head.slice(0, -1)},"record":${e.recordJson ?? JSON.stringify(e.record)}}`;
}

/**
 * Writes `lines` to `file` opened with `flags` ('a' append, 'w' truncate), each followed by a
 * newline, about 1 MiB of text per write: the whole file is never one string in memory.
 */
async function writeLines(file: string, flags: 'a' | 'w', lines: Iterable<string>): Promise<void> {
  const fh = await open(file, flags);
  // one write(2) may take fewer bytes than given: go on until all are written
  const writeAll = async (text: string) => {
    const buf = Buffer.from(text, 'utf8');
    for (let off = 0; off < buf.length;) off += (await fh.write(buf, off)).bytesWritten;
  };
  try {
    let chunk: string[] = [];
    let chars = 0;
    for (const line of lines) {
      chunk.push(line);
      chars += line.length + 1;
      if (chars >= WRITE_CHARS) {
        await writeAll(chunk.join('\n') + '\n');
        chunk = [];
        chars = 0;
      }
    }
    if (chunk.length) await writeAll(chunk.join('\n') + '\n');
  } finally {
    await fh.close();
  }
}
