/**
 * Streams one gzip-compressed metadata file to disk while computing what repomd.xml needs:
 * sha256 and size of the compressed bytes (checksum, size) and of the XML (open-checksum,
 * open-size). Text is handed to zlib in chunks of about 256 KiB (each hand-over is a
 * thread-pool job), so memory stays at a few chunks whatever the file size, and several
 * writers compress in parallel on the thread pool.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/** Characters of XML gathered before they go to zlib. */
const CHUNK_CHARS = 256 * 1024;
/**
 * Bytes that may wait for zlib before a writer pauses: a few chunks, so the next chunk of XML
 * is made while the last ones compress (a wait after every chunk left the main thread idle
 * a third of the time).
 */
const MAX_QUEUED = 4 * CHUNK_CHARS;

/** Checksums (sha256, lowercase hex) and sizes (bytes) of a written metadata file. */
export interface MetadataFileInfo {
  checksum: string;
  size: number;
  openChecksum?: string;
  openSize?: number;
}

/** Writer for one `.xml.gz` file; call `write` per package, then `finish`. */
export class GzipMetadataWriter {
  private readonly gzip = createGzip({ level: 6 });
  private readonly openHash = createHash('sha256');
  private readonly hash = createHash('sha256');
  private openSize = 0;
  private size = 0;
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly done: Promise<void>;

  /** @param path destination file (created or truncated). */
  constructor(path: string) {
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => { this.hash.update(chunk); this.size += chunk.length; cb(null, chunk); },
    });
    this.done = pipeline(this.gzip, counter, createWriteStream(path));
  }

  /** Appends XML text; resolves at once unless a full chunk went out and the compressor is backed up. */
  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= CHUNK_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    const buf = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    this.openHash.update(buf);
    this.openSize += buf.length;
    if (!this.gzip.write(buf) && this.gzip.writableLength >= MAX_QUEUED) await once(this.gzip, 'drain');
  }

  /** Flushes and closes the file; resolves with its checksums and sizes. */
  async finish(): Promise<MetadataFileInfo> {
    if (this.pendingChars) await this.flush();
    this.gzip.end();
    await this.done;
    return { checksum: this.hash.digest('hex'), size: this.size, openChecksum: this.openHash.digest('hex'), openSize: this.openSize };
  }
}
