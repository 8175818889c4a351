/**
 * Reads a file of the mirror only when it is a regular file: opened with O_NONBLOCK (so a FIFO
 * named like a key or metadata file never blocks the run), checked with fstat on the open
 * descriptor (no race with a swap), and size-capped before its bytes are read.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** What a non-regular file is, for messages. */
function kindOf(s: { isFIFO(): boolean; isSocket(): boolean; isDirectory(): boolean; isCharacterDevice(): boolean;
  isBlockDevice(): boolean }): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  if (s.isDirectory()) return 'a directory';
  return s.isCharacterDevice() || s.isBlockDevice() ? 'a device' : 'not a regular file';
}

/**
 * The bytes of `path` (links followed). Throws an Error (code `ENOTREG`) for a FIFO, socket,
 * device or directory, (code `EFBIG`) above `maxBytes`, or the file system's error.
 */
export async function readRegularFile(path: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = await fh.stat();
    if (!s.isFile()) throw Object.assign(new Error(`${kindOf(s)}, not a file`), { code: 'ENOTREG' });
    if (s.size > maxBytes) {
      throw Object.assign(new Error(`${s.size} bytes, over the ${maxBytes} read`), { code: 'EFBIG' });
    }
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
