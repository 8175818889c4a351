/**
 * Reads a bundle as one byte stream, whatever its form: a single `.tar`/`.tar.zst` file or
 * volumes `<base>.part-NNN`; each volume (and a single file with a `.sha256` beside it) is
 * hashed in the same pass and checked against its checksum file. zstd is recognised by its
 * frame magic. Entries are handed to a callback with their bytes streamed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createZstdDecompress } from 'node:zlib';
import tar from 'tar-stream';
import { volumeSumsName } from './split-writer.ts';
import { unsafePath } from './entry-path.ts';

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** One file of the bundle input, with the sha256 its checksum file expects (if any). */
interface Piece { file: string; expected?: string }

/** The files making up a bundle: volumes (sorted) or the single file. Throws when none exists. */
export async function bundlePieces(bundle: string): Promise<Piece[]> {
  const sums = await readFile(volumeSumsName(bundle), 'utf8').catch(() => undefined);
  const volumes = (await readdir(dirname(bundle)).catch(() => [] as string[])).filter((n) => n.startsWith(`${basename(bundle)}.part-`)).sort();
  if (sums || volumes.length) {
    const expected = new Map((sums ?? '').trim().split('\n').filter(Boolean).map((l) => [l.slice(66).trim(), l.slice(0, 64)]));
    const names = [...new Set([...expected.keys(), ...volumes])].sort();
    return names.map((n) => ({ file: join(dirname(bundle), n), ...(expected.get(n) ? { expected: expected.get(n)! } : {}) }));
  }
  await stat(bundle);
  const whole = await readFile(`${bundle}.sha256`, 'utf8').catch(() => undefined);
  return [{ file: bundle, ...(whole ? { expected: whole.slice(0, 64) } : {}) }];
}

/** Handler for each entry: name, size and its bytes (must be consumed). */
export type EntryHandler = (name: string, size: number, body: Readable) => Promise<void>;

/**
 * Outcome of reading: volumes whose checksum failed or that are missing, entries refused as
 * unsafe (a path leaving the tree or a non-file entry; never handed to the callback), and a
 * fatal read error if any.
 */
export interface ReadOutcome { badVolumes: string[]; unsafe: string[]; damaged?: string; bytes: number }

/** Streams every entry of `bundle` to `onEntry`; never throws for damaged input (see ReadOutcome). */
export async function readBundle(bundle: string, onEntry: EntryHandler, onBytes?: (n: number) => void): Promise<ReadOutcome> {
  const pieces = await bundlePieces(bundle);
  const badVolumes: string[] = [];
  const unsafe: string[] = [];
  let bytes = 0;
  async function* chunks() {
    for (const p of pieces) {
      const h = createHash('sha256');
      try {
        for await (const c of createReadStream(p.file, { highWaterMark: 1 << 20 })) {
          h.update(c as Buffer);
          bytes += (c as Buffer).length;
          onBytes?.((c as Buffer).length);
          yield c as Buffer;
        }
      } catch {
        badVolumes.push(`${basename(p.file)}: missing or unreadable`);
        continue;
      }
      if (p.expected === undefined && pieces.length > 1) badVolumes.push(`${basename(p.file)}: not listed in the volumes' checksum file`);
      else if (p.expected && h.digest('hex') !== p.expected) badVolumes.push(`${basename(p.file)}: sha256 does not match its checksum file`);
    }
  }
  const head = Buffer.alloc(4);
  const fh = await open(pieces[0]!.file, 'r').catch(() => undefined);
  if (fh) { await fh.read(head, 0, 4, 0); await fh.close(); }
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const why = header.type !== 'file' ? `a ${header.type} entry (airgap-mirror bundles hold files only)` : unsafePath(header.name);
    if (why) {
      unsafe.push(`${JSON.stringify(header.name)}: ${why}`);
      stream.on('end', () => next()).resume();
      return;
    }
    onEntry(header.name, header.size ?? 0, stream as unknown as Readable).then(() => next(), (err) => next(err));
  });
  try {
    const raw = Readable.from(chunks());
    const sink = extract as unknown as NodeJS.WritableStream;
    if (head.equals(ZSTD_MAGIC)) await pipeline(raw, createZstdDecompress(), sink);
    else await pipeline(raw, sink);
    return { badVolumes, unsafe, bytes };
  } catch (err) {
    return { badVolumes, unsafe, bytes, damaged: (err as Error).message };
  }
}
