/**
 * A writable that spreads a byte stream over volumes `<base>.part-000`, `.part-001`, ... of
 * at most `volumeBytes` each (so `cat <base>.part-* > <base>` rejoins them), hashing each
 * volume; `finish()` writes `<base>.parts.sha256` for `sha256sum -c`.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import { once } from 'node:events';

/** File name of volume `i` of `base`. */
export const volumeName = (base: string, i: number) => `${base}.part-${String(i).padStart(3, '0')}`;
/** File listing each volume's sha256. */
export const volumeSumsName = (base: string) => `${base}.parts.sha256`;

/** Writable that rotates volumes; `volumes` holds `[file, sha256]` once finished. */
export class SplitWriter extends Writable {
  readonly volumes: [string, string][] = [];
  private current?: { out: WriteStream; hash: Hash; written: number };
  private readonly base: string;
  private readonly volumeBytes: number;

  constructor(base: string, volumeBytes: number) {
    super();
    if (!(volumeBytes > 0)) throw new Error('volume size must be positive');
    this.base = base;
    this.volumeBytes = volumeBytes;
  }

  private async closeCurrent(): Promise<void> {
    if (!this.current) return;
    const { out, hash } = this.current;
    out.end();
    await once(out, 'close');
    this.volumes[this.volumes.length - 1]![1] = hash.digest('hex');
    this.current = undefined;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    (async () => {
      let off = 0;
      while (off < chunk.length) {
        if (!this.current || this.current.written === this.volumeBytes) {
          await this.closeCurrent();
          const name = volumeName(this.base, this.volumes.length);
          this.volumes.push([name, '']);
          this.current = { out: createWriteStream(name), hash: createHash('sha256'), written: 0 };
        }
        const take = Math.min(chunk.length - off, this.volumeBytes - this.current.written);
        const piece = chunk.subarray(off, off + take);
        this.current.hash.update(piece);
        this.current.written += take;
        off += take;
        if (!this.current.out.write(piece)) await once(this.current.out, 'drain');
      }
    })().then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    (async () => {
      await this.closeCurrent();
      await writeFile(volumeSumsName(this.base), this.volumes.map(([f, h]) => `${h}  ${basename(f)}\n`).join(''));
    })().then(() => cb(), cb);
  }
}
