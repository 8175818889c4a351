/**
 * One `.deb` read as a self-contained task, so it can run in a reader thread (reader-pool.ts):
 * the outcome is plain data, the package or why the file could not be used, rather than a
 * thrown error. The apt counterpart of read-task.ts.
 */
import { DebFormatError, readDeb, type DebPackage } from '../formats/package-readers.ts';

/** What to read: the file's path and how many changelog entries to keep (default: the reader's). */
export interface DebReadTask { file: string; changelogLimit?: number }

/** The package, or why the file is not usable: not a Debian package (`format`), or an fs error and its code. */
export type DebReadOutcome = { ok: true; deb: DebPackage }
  | { ok: false; kind: 'format'; message: string }
  | { ok: false; kind: 'fs'; code: string; message: string };

/** Reads one task's package; never throws. */
async function runDebReadTask(t: DebReadTask): Promise<DebReadOutcome> {
  try {
    return { ok: true, deb: await readDeb(t.file, t.changelogLimit) };
  } catch (err) {
    if (err instanceof DebFormatError) return { ok: false, kind: 'format', message: err.message };
    const e = err as NodeJS.ErrnoException;
    return { ok: false, kind: 'fs', code: e.code ?? 'EIO', message: e.message };
  }
}

/** Runs a batch of read tasks in order (one worker message per batch); never throws. */
export async function runDebReadTasks(tasks: DebReadTask[]): Promise<DebReadOutcome[]> {
  const out: DebReadOutcome[] = [];
  for (const t of tasks) out.push(await runDebReadTask(t));
  return out;
}

/**
 * runDebReadTasks for a reader thread: the outcomes go back as one JSON text, which crosses
 * threads far cheaper than a structured clone of many path lists. Never throws.
 */
export async function runDebReadTasksForTransfer(tasks: DebReadTask[]): Promise<string> {
  return JSON.stringify(await runDebReadTasks(tasks));
}
