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
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import type { PackageRecord } from '../rpm/package-record.ts';

interface Entry { size: number; mtimeMs: number; ino: number; dev: number; record: PackageRecord }

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

  /** Remembers a freshly read record. */
  set(href: string, st: Stats, record: PackageRecord): void {
    this.next.set(href, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev, record });
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
    const line = (href: string) => JSON.stringify({ href, ...this.next.get(href)! });
    await mkdir(join(this.file, '..'), { recursive: true });
    if (this.lines && this.lines + appended <= 2 * this.next.size + 64) {
      await appendFile(this.file, [...[...this.changed].map(line), ...gone.map((href) => JSON.stringify({ href, gone: true }))].join('\n') + '\n');
      return;
    }
    const all = [JSON.stringify({ context: this.context }), ...[...this.next.keys()].map(line)];
    await writeFile(`${this.file}.tmp`, all.join('\n') + '\n');
    await rename(`${this.file}.tmp`, this.file);
  }
}
