/**
 * Streams one gzip-compressed metadata file to disk while computing what repomd.xml needs:
 * sha256 and size of the compressed bytes (checksum, size) and of the XML (open-checksum,
 * open-size). Memory stays at one chunk whatever the file size.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

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
  private readonly done: Promise<void>;

  /** @param path destination file (created or truncated). */
  constructor(path: string) {
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => { this.hash.update(chunk); this.size += chunk.length; cb(null, chunk); },
    });
    this.done = pipeline(this.gzip, counter, createWriteStream(path));
  }

  /** Appends XML text; waits when the compressor is backed up. */
  async write(text: string): Promise<void> {
    const buf = Buffer.from(text, 'utf8');
    this.openHash.update(buf);
    this.openSize += buf.length;
    if (!this.gzip.write(buf)) await once(this.gzip, 'drain');
  }

  /** Flushes and closes the file; resolves with its checksums and sizes. */
  async finish(): Promise<MetadataFileInfo> {
    this.gzip.end();
    await this.done;
    return { checksum: this.hash.digest('hex'), size: this.size, openChecksum: this.openHash.digest('hex'), openSize: this.openSize };
  }
}
