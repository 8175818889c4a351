/**
 * One `.deb` read as a self-contained task, so it can run in a reader thread (reader-pool.ts):
 * the outcome is plain data, the package or why the file could not be used, rather than a
 * thrown error; outcome and transfer shapes are read-task.ts's, shared with RPM reads.
 */
import { DebFormatError, readDeb, type DebPackage } from '../formats/package-readers.ts';
import { fsFailure, runInOrder, toTransfer, type Outcome, type Transferred } from './read-task.ts';

/** What to read: the file's path and how many changelog entries to keep (default: the reader's). */
export interface DebReadTask { file: string; changelogLimit?: number }

/** Why a file is not a usable Debian package (read-deb.ts's DebFormatError message). */
export type DebFormatFailure = { ok: false; kind: 'format'; message: string };

/** The package, or why the file is not usable. */
export type DebReadOutcome = Outcome<DebPackage, DebFormatFailure>;

/** Reads one task's package; never throws. */
async function runDebReadTask(t: DebReadTask): Promise<DebReadOutcome> {
  try {
    return { ok: true, record: await readDeb(t.file, t.changelogLimit) };
  } catch (err) {
    return err instanceof DebFormatError ? { ok: false, kind: 'format', message: err.message } : fsFailure(err);
  }
}

/** Runs a batch of read tasks in order (one worker message per batch); never throws. */
export function runDebReadTasks(tasks: DebReadTask[]): Promise<DebReadOutcome[]> {
  return runInOrder(tasks, runDebReadTask);
}

/** runDebReadTasks for a reader thread: each package goes back as JSON (read-task.ts: Transferred). */
export async function runDebReadTasksForTransfer(tasks: DebReadTask[]): Promise<Transferred<DebFormatFailure>[]> {
  return toTransfer(await runDebReadTasks(tasks));
}
