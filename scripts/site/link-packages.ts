/**
 * Places input files (RPMs, key files) into the site: a hard link when the output is on the
 * same filesystem (no extra space, the input is never modified), a copy otherwise.
 * Synchronous on purpose: thousands of small link(2) calls run several times faster than
 * the same calls sent one by one to the thread pool.
 */
import { copyFileSync, linkSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/** Places files, creating each parent directory once; counts how many were linked and copied. */
export class FilePlacer {
  private readonly made = new Set<string>();
  linked = 0;
  copied = 0;

  /**
   * Hard-links `src` to `dst` (creating parent dirs), copying when linking fails (EXDEV, EPERM,
   * ...). A symbolic link is followed first (link(2) would link the symlink itself, which then
   * dangles in the site, as pool layouts' `Packages/x.rpm -> ../../pool/x.rpm` did). Throws
   * the fs error when the copy fails too. `regular`: the caller knows `link` is a regular file
   * (a page checked by its stamp), so it is not looked at first.
   */
  place(link: string, dst: string, o: { regular?: boolean } = {}): void {
    const src = !o.regular && lstatSync(link).isSymbolicLink() ? realpathSync(link) : link;
    const dir = dirname(dst);
    if (!this.made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.made.add(dir);
    }
    try {
      linkSync(src, dst);
      this.linked++;
    } catch {
      copyFileSync(src, dst);
      this.copied++;
    }
  }
}
