/**
 * Places input files (RPMs, key files) into the site: a hard link when the output is on the
 * same filesystem (no extra space, the input is never modified), a copy otherwise.
 */
import { copyFile, link, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How a file got into the site. */
export type PlaceMode = 'link' | 'copy';

/** Hard-links `src` to `dst` (creating parent dirs), copying when linking fails (EXDEV, EPERM, ...). */
export async function placeFile(src: string, dst: string): Promise<PlaceMode> {
  await mkdir(dirname(dst), { recursive: true });
  try {
    await link(src, dst);
    return 'link';
  } catch {
    await copyFile(src, dst);
    return 'copy';
  }
}
