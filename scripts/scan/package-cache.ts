/**
 * Incremental indexing cache, kept on the output side (never in the mirror tree): one JSON
 * file per repo mapping each package's repo-relative href to the record read last time,
 * with the file's size, mtime (ms), inode and device. A package whose four values are
 * unchanged is neither re-read nor re-hashed. The whole file is dropped when its context
 * changes (tool version, changelog limit, the repo's mirrored keys).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import type { PackageRecord } from '../rpm/package-record.ts';

interface Entry { size: number; mtimeMs: number; ino: number; dev: number; record: PackageRecord }

/** Cache of one repo's package records. */
export class PackageCache {
  private readonly file: string;
  private readonly context: string;
  private readonly old: Map<string, Entry>;
  private readonly next = new Map<string, Entry>();
  private readonly fresh: boolean;
  hits = 0;
  misses = 0;

  private constructor(file: string, context: string, old: Map<string, Entry>, fresh: boolean) {
    this.file = file;
    this.context = context;
    this.old = old;
    this.fresh = fresh;
  }

  /** Opens `<dir>/<name>.json`; an unreadable file or another context gives an empty cache. */
  static async open(dir: string, name: string, context: string): Promise<PackageCache> {
    const file = join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
    try {
      const doc = JSON.parse(await readFile(file, 'utf8')) as { context: string; entries: Record<string, Entry> };
      const same = doc.context === context;
      return new PackageCache(file, context, same ? new Map(Object.entries(doc.entries)) : new Map(), !same);
    } catch {
      return new PackageCache(file, context, new Map(), true);
    }
  }

  /** The cached record for `href` if the file's size, mtime, inode and device are unchanged. */
  get(href: string, st: Stats): PackageRecord | undefined {
    const e = this.old.get(href);
    if (e && e.size === st.size && e.mtimeMs === st.mtimeMs && e.ino === st.ino && e.dev === st.dev) {
      this.hits++;
      this.next.set(href, e);
      return e.record;
    }
    this.misses++;
    return undefined;
  }

  /** Remembers a freshly read record. */
  set(href: string, st: Stats, record: PackageRecord): void {
    this.next.set(href, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev, record });
  }

  /** Writes the entries seen in this run (deleted packages drop out), atomically; skipped when they equal what was loaded. */
  async save(): Promise<void> {
    if (!this.fresh && this.misses === 0 && this.next.size === this.old.size) return;
    await mkdir(join(this.file, '..'), { recursive: true });
    await writeFile(`${this.file}.tmp`, JSON.stringify({ context: this.context, entries: Object.fromEntries(this.next) }));
    await rename(`${this.file}.tmp`, this.file);
  }
}
