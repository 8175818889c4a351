/**
 * Streams one gzip-compressed metadata file to disk while computing what repomd.xml needs:
 * sha256 and size of the compressed bytes (checksum, size) and of the XML (open-checksum,
 * open-size). XML is encoded into reused buffers of 256 KiB (see Utf8Chunks), each handed to
 * zlib (a thread-pool job) and reused once zlib has consumed it, so memory stays at a few
 * buffers whatever the file size, and several writers compress in parallel on the thread pool.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { Utf8Chunks } from '../../../utf8-chunks.ts';

/** Bytes of XML gathered before they go to zlib. */
const CHUNK_BYTES = 256 * 1024;
/**
 * Bytes that may wait for zlib before a writer pauses: a few chunks, so the next chunk of XML
 * is made while the last ones compress (a wait after every chunk left the main thread idle
 * a third of the time).
 */
const MAX_QUEUED = 4 * CHUNK_BYTES;

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
  private readonly chunks = new Utf8Chunks(CHUNK_BYTES);
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
    for (const chunk of this.chunks.add(text)) await this.send(chunk);
  }

  private async send(chunk: Buffer): Promise<void> {
    this.openHash.update(chunk);
    this.openSize += chunk.length;
    // zlib calls back once it has consumed the chunk: only then is its buffer reused
    const ok = this.gzip.write(chunk, () => this.chunks.release(chunk));
    if (!ok && this.gzip.writableLength >= MAX_QUEUED) await once(this.gzip, 'drain');
  }

  /** Flushes and closes the file; resolves with its checksums and sizes. */
  async finish(): Promise<MetadataFileInfo> {
    const last = this.chunks.take();
    if (last) await this.send(last);
    this.gzip.end();
    await this.done;
    return { checksum: this.hash.digest('hex'), size: this.size, openChecksum: this.openHash.digest('hex'), openSize: this.openSize };
  }
}
