/**
 * Fingerprint of a directory tree (paths, types, modes, sizes, mtimes, sha256 of contents) to prove
 * it was not changed, and the sha256 of each file to compare two trees' contents.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';

/** sha256 over a sorted listing of every entry under `dir` (symlinks not followed). */
export async function treeHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const p = join(rel, name);
      const s = await lstat(join(dir, p));
      h.update(`${p}\0${s.mode}\0${s.size}\0${s.mtimeMs}\0`);
      if (s.isSymbolicLink()) h.update(await readlink(join(dir, p)));
      else if (s.isDirectory()) await walk(p);
      else if (s.isFile() && s.mode & 0o444) h.update(await readFile(join(dir, p)).catch(() => Buffer.from('unreadable')));
    }
  };
  await walk('');
  return h.digest('hex');
}

/** sha256 of every file under `dir` matching `pattern` (dot files included), by relative path, sorted. */
export async function fileHashes(dir: string, pattern = '**'): Promise<Map<string, string>> {
  const files = (await fg(pattern, { cwd: dir, dot: true })).sort();
  return new Map(await Promise.all(files.map(async (f) =>
    [f, createHash('sha256').update(await readFile(join(dir, f))).digest('hex')] as const)));
}
