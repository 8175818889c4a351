/**
 * Encodes many short strings as UTF-8 into a few reused buffers of a fixed size, for writers
 * of large generated files (repodata XML, the package cache).
 *
 * Why not `Buffer.from(parts.join(''))` per chunk: joining and encoding into fresh memory
 * costs about 0.2 s each per 36 MB on the 2-core VM (new pages are faulted in for every large
 * string and buffer), while `buf.write` into a buffer already in use takes milliseconds.
 * Measured with the 10k bench cache file: join + Buffer.from 360 ms, per-string write 12 ms.
 */
export class Utf8Chunks {
  /** Bytes per buffer. */
  readonly size: number;
  private readonly free: Buffer[] = [];
  /** Memory of the buffers made here (a long string's own buffer is not reused). */
  private readonly own = new WeakSet<ArrayBufferLike>();
  private cur: Buffer | undefined;
  private used = 0;

  /** @param size bytes per buffer (a string longer than that is encoded on its own). */
  constructor(size: number) {
    this.size = size;
  }

  /**
   * Appends `text`. Returns the chunks completed by it, in order (usually none): the buffer
   * filled so far when `text` does not fit in what is left of it, and `text` alone when it is
   * longer than a buffer. A returned chunk must not be written to until `release`d.
   */
  add(text: string): Buffer[] {
    const out: Buffer[] = [];
    const room = this.cur ? this.size - this.used : 0;
    // a UTF-16 code unit takes at most 3 bytes: only near the end is the exact length needed
    if (text.length * 3 > room) {
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > room) {
        const full = this.take();
        if (full) out.push(full);
        if (bytes > this.size) {
          out.push(Buffer.from(text, 'utf8'));
          return out;
        }
      }
    }
    if (!this.cur) {
      this.cur = this.free.pop() ?? this.allocate();
      this.used = 0;
    }
    this.used += this.cur.write(text, this.used, 'utf8');
    return out;
  }

  /** The bytes gathered so far as one chunk (it must be `release`d before reuse), or undefined when there are none. */
  take(): Buffer | undefined {
    if (!this.cur || !this.used) return undefined;
    const chunk = this.cur.subarray(0, this.used);
    this.cur = undefined;
    this.used = 0;
    return chunk;
  }

  /** Gives back a chunk from `add` or `take` once its bytes are consumed; its buffer is then reused. */
  release(chunk: Buffer): void {
    if (this.own.has(chunk.buffer)) this.free.push(Buffer.from(chunk.buffer, 0, this.size));
  }

  private allocate(): Buffer {
    const buf = Buffer.allocUnsafeSlow(this.size);
    this.own.add(buf.buffer);
    return buf;
  }
}
