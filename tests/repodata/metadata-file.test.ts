/**
 * The writers' text encoding: strings packed as UTF-8 into reused buffers (Utf8Chunks) come
 * out byte for byte as one `Buffer.from` of the whole text would, characters of every UTF-8
 * length included, wherever the buffer ends fall; a gzip metadata file written through them
 * is exactly `gzip -6` of its XML, with repomd's checksums and sizes of both forms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Utf8Chunks } from '../../scripts/utf8-chunks.ts';
import { GzipMetadataWriter } from '../../scripts/formats/rpm/repodata/metadata-file.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'airgap-metadata-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** Deterministic pieces: ASCII, 2-, 3- and 4-byte characters (a surrogate pair), XML-like, of varied lengths; some longer than `long`. */
function pieces(count: number, long: number): string[] {
  const alphabet = ['a', '<pkg name="x"/>', 'é', 'ü', '€', '漢', '😀', '\n'];
  const out: string[] = [];
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647); // MINSTD: exact in doubles
  for (let i = 0; i < count; i++) {
    const n = i % 97 === 0 ? long + (next() % 1000) : 1 + (next() % 900);
    let s = '';
    while (s.length < n) s += alphabet[next() % alphabet.length];
    out.push(s);
  }
  return out;
}

describe('Utf8Chunks', () => {
  it('gives the bytes of the whole text, never splitting a character, with buffers reused only once released', () => {
    const size = 4096;
    const text = pieces(3000, 5000);
    const chunks = new Utf8Chunks(size);
    const out: Buffer[] = [];
    const seen = new Set<ArrayBufferLike>();
    let held: Buffer[] = [];
    for (const [i, t] of text.entries()) {
      for (const c of chunks.add(t)) {
        expect(c.length).toBeLessThanOrEqual(Math.max(size, Buffer.byteLength(t)));
        // each chunk is whole characters: it decodes and re-encodes to itself
        expect(Buffer.from(c.toString('utf8'), 'utf8').equals(c)).toBe(true);
        // a buffer still held by the consumer is never handed out again
        for (const h of held) expect(c.buffer === h.buffer && c.byteOffset < h.byteOffset + h.length && h.byteOffset < c.byteOffset + c.length).toBe(false);
        out.push(Buffer.from(c)); // the bytes as they were when handed out
        seen.add(c.buffer);
        held.push(c);
      }
      // the consumer gives chunks back in bursts, as zlib does
      if (i % 5 === 4) {
        for (const h of held) chunks.release(h);
        held = [];
      }
    }
    const last = chunks.take();
    if (last) out.push(Buffer.from(last));
    expect(Buffer.concat(out).equals(Buffer.from(text.join(''), 'utf8'))).toBe(true);
    // pooled memory was reused: far fewer buffers than chunks (long pieces have their own)
    expect(out.length).toBeGreaterThan(300);
    expect(seen.size).toBeLessThan(out.length / 4);
  });
});

describe('GzipMetadataWriter', () => {
  it('writes exactly gzip -6 of the XML, with checksums and sizes of both forms', async () => {
    // ~6 MB: many 256 KiB chunks in flight, and pieces longer than a chunk
    const text = pieces(1500, 300_000);
    const xml = Buffer.from(text.join(''), 'utf8');
    const file = join(dir, 'primary.xml.gz');
    const w = new GzipMetadataWriter(file);
    for (const t of text) await w.write(t);
    const info = await w.finish();
    const gz = await readFile(file);
    expect(gunzipSync(gz).equals(xml)).toBe(true);
    expect(gz.equals(gzipSync(xml, { level: 6 }))).toBe(true);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(info).toEqual({ checksum: sha(gz), size: gz.length, openChecksum: sha(xml), openSize: xml.length });
  });
});
