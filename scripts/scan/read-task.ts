/**
 * One package read as a self-contained task, so it can run in a worker thread: the outcome
 * is plain data (a record, or why the file could not be used) rather than a thrown error.
 * Signature verifiers are built once per key set and reused across tasks. The outcome and
 * transfer shapes serve both formats (read-deb-task.ts is the `.deb` task).
 */
import {
  RPM_FORMAT, RpmFormatError, type RpmFormatReason, type PackageRecord, type SignatureVerifier
} from '../formats/package-readers.ts';
import { loadKeys, signatureVerifier } from '../trust/mirror-keys.ts';

/** What to read: file path, repo-relative href, changelog limit, mirrored keys to verify with. */
export interface ReadTask { file: string; href: string; changelogLimit?: number; keys?: { dir: string; files: string[] } }

/** Why a file was not usable (its format's shape, or FsFailure). */
type Failure = { ok: false };

/** A file that could not be read for a reason of the file system, with the error's code. */
export type FsFailure = { ok: false; kind: 'fs'; code: string; message: string };

/**
 * The outcome of reading one package of either format: its record (type `R`), or why the file was
 * not usable (the format's failure `F`, or an fs error). Outcomes that came from a reader thread
 * also carry the record's JSON (`JSON.stringify(record)`), which the cache reuses.
 */
export type Outcome<R, F extends Failure> = { ok: true; record: R; recordJson?: string } | F | FsFailure;

/**
 * An outcome as a reader thread sends it: the record as JSON text, since one string crosses
 * threads far cheaper than a structured clone of the record's object graph, and the
 * receiving thread parses it once (see fromTransfer).
 */
export type Transferred<F extends Failure> = { ok: true; recordJson: string } | F | FsFailure;

/** Why an RPM was not usable: rpm's format error, with its reason. */
export type RpmFormatFailure = { ok: false; kind: 'format'; reason: RpmFormatReason; message: string };

/** Why a file was not usable as an RPM. */
export type ReadFailure = RpmFormatFailure | FsFailure;

/** An RPM's record, or the reason the file was not usable. */
export type ReadOutcome = Outcome<PackageRecord, RpmFormatFailure>;

/** An RPM's outcome as a reader thread sends it. */
export type TransferOutcome = Transferred<RpmFormatFailure>;

/** The fs failure of error `err` (its code, EIO when it has none). */
export function fsFailure(err: unknown): FsFailure {
  const e = err as NodeJS.ErrnoException;
  return { ok: false, kind: 'fs', code: e.code ?? 'EIO', message: e.message };
}

/** Runs `tasks` one after another with `run`, outcomes in order (one worker message per batch). */
export async function runInOrder<T, O>(tasks: T[], run: (task: T) => Promise<O>): Promise<O[]> {
  const out: O[] = [];
  for (const t of tasks) out.push(await run(t));
  return out;
}

/** Outcomes as a reader thread sends them: each record as JSON, serialized there rather than on the main thread. */
export function toTransfer<R, F extends Failure>(outcomes: Outcome<R, F>[]): Transferred<F>[] {
  return outcomes.map((o) => (o.ok ? { ok: true, recordJson: JSON.stringify(o.record) } : o));
}

/** The outcome a reader thread sent, with its record parsed back (the JSON is kept for the cache). */
export function fromTransfer<R = PackageRecord, F extends Failure = RpmFormatFailure>(o: Transferred<F>):
  Outcome<R, F> {
  return o.ok ? { ok: true, record: JSON.parse(o.recordJson) as R, recordJson: o.recordJson } : o;
}

const verifiers = new Map<string, Promise<SignatureVerifier>>();

function verifierFor(keys: { dir: string; files: string[] }): Promise<SignatureVerifier> {
  const id = `${keys.dir}\0${keys.files.join('\0')}`;
  if (!verifiers.has(id)) verifiers.set(id, loadKeys(keys.dir, keys.files).then(signatureVerifier));
  return verifiers.get(id)!;
}

/** Runs a batch of read tasks in order; never throws. */
export default function runReadTasks(tasks: ReadTask[]): Promise<ReadOutcome[]> {
  return runInOrder(tasks, runReadTask);
}

/** runReadTasks for a reader thread: each record goes back as JSON (see Transferred). Never throws. */
export async function runReadTasksForTransfer(tasks: ReadTask[]): Promise<TransferOutcome[]> {
  return toTransfer(await runReadTasks(tasks));
}

/** Runs one read task; never throws. */
export async function runReadTask(task: ReadTask): Promise<ReadOutcome> {
  try {
    const verifySignature = task.keys ? await verifierFor(task.keys) : undefined;
    const record = await RPM_FORMAT.readPackage(task.file, task.href, { ...(task.changelogLimit !== undefined ? { changelogLimit: task.changelogLimit } : {}), ...(verifySignature ? { verifySignature } : {}) });
    return { ok: true, record };
  } catch (err) {
    if (err instanceof RpmFormatError) return { ok: false, kind: 'format', reason: err.reason, message: err.message };
    return fsFailure(err);
  }
}
