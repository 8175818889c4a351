/**
 * Reads a file of the mirror only when it is a regular file: opened with O_NONBLOCK (so a FIFO
 * named like a key or metadata file never blocks the run), checked with fstat on the open
 * descriptor (no race with a swap), and size-capped before its bytes are read.
 */
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** What a non-regular file is, for messages (`a FIFO`, `a socket`, `a character device`, ...). */
export const fileKind = (s: Stats) => (s.isFIFO() ? 'a FIFO' : s.isSocket() ? 'a socket'
  : s.isCharacterDevice() ? 'a character device' : s.isBlockDevice() ? 'a block device'
  : s.isDirectory() ? 'a directory' : 'a special file');

/**
 * The bytes of `path` (links followed). Throws an Error (code `ENOTREG`) for a FIFO, socket,
 * device or directory, (code `EFBIG`) above `maxBytes`, or the file system's error.
 */
export async function readRegularFile(path: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = await fh.stat();
    if (!s.isFile()) throw Object.assign(new Error(`${fileKind(s)}, not a file`), { code: 'ENOTREG' });
    if (s.size > maxBytes) {
      throw Object.assign(new Error(`${s.size} bytes, over the ${maxBytes} read`), { code: 'EFBIG' });
    }
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
