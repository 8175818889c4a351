/** Replacing a file so a reader sees the old bytes or the new, never a part: temp file beside it, then rename(2). */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `data` to `file` through `<file>.tmp` and one rename, creating the directory first. On
 * failure the temp file is removed and the fs error thrown (the old file, if any, stands).
 */
export async function replaceFile(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
