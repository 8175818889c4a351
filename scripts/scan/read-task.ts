/**
 * One package read as a self-contained task, so it can run in a worker thread: the outcome
 * is plain data (a record, or why the file could not be used) rather than a thrown error.
 * Signature verifiers are built once per key set and reused across tasks.
 */
import {
  RPM_FORMAT, RpmFormatError, type RpmFormatReason, type PackageRecord, type SignatureVerifier
} from '../formats/package-readers.ts';
import { loadKeys, signatureVerifier } from '../trust/mirror-keys.ts';

/** What to read: file path, repo-relative href, changelog limit, mirrored keys to verify with. */
export interface ReadTask { file: string; href: string; changelogLimit?: number; keys?: { dir: string; files: string[] } }

/** Why a file was not usable. */
export type ReadFailure =
  | { ok: false; kind: 'format'; reason: RpmFormatReason; message: string }
  | { ok: false; kind: 'fs'; code: string; message: string };

/**
 * A record, or the reason the file was not usable. Outcomes that came from a reader thread
 * also carry the record's JSON (`JSON.stringify(record)`), which the cache reuses.
 */
export type ReadOutcome = { ok: true; record: PackageRecord; recordJson?: string } | ReadFailure;

/**
 * An outcome as a reader thread sends it: the record as JSON text, since one string crosses
 * threads far cheaper than a structured clone of the record's object graph, and the
 * receiving thread parses it once (see fromTransfer).
 */
export type TransferOutcome = { ok: true; recordJson: string } | ReadFailure;

const verifiers = new Map<string, Promise<SignatureVerifier>>();

function verifierFor(keys: { dir: string; files: string[] }): Promise<SignatureVerifier> {
  const id = `${keys.dir}\0${keys.files.join('\0')}`;
  if (!verifiers.has(id)) verifiers.set(id, loadKeys(keys.dir, keys.files).then(signatureVerifier));
  return verifiers.get(id)!;
}

/** Runs a batch of read tasks in order (one worker message per batch); never throws. */
export default async function runReadTasks(tasks: ReadTask[]): Promise<ReadOutcome[]> {
  const out: ReadOutcome[] = [];
  for (const t of tasks) out.push(await runReadTask(t));
  return out;
}

/**
 * runReadTasks for a reader thread: each record goes back as JSON (see TransferOutcome), and
 * the serialization is done here rather than on the main thread. Never throws.
 */
export async function runReadTasksForTransfer(tasks: ReadTask[]): Promise<TransferOutcome[]> {
  return (await runReadTasks(tasks)).map((o) => (o.ok ? { ok: true, recordJson: JSON.stringify(o.record) } : o));
}

/** The outcome a reader thread sent, with its record parsed back (the JSON is kept for the cache). */
export function fromTransfer(o: TransferOutcome): ReadOutcome {
  return o.ok ? { ok: true, record: JSON.parse(o.recordJson) as PackageRecord, recordJson: o.recordJson } : o;
}

/** Runs one read task; never throws. */
export async function runReadTask(task: ReadTask): Promise<ReadOutcome> {
  try {
    const verifySignature = task.keys ? await verifierFor(task.keys) : undefined;
    const record = await RPM_FORMAT.readPackage(task.file, task.href, { ...(task.changelogLimit !== undefined ? { changelogLimit: task.changelogLimit } : {}), ...(verifySignature ? { verifySignature } : {}) });
    return { ok: true, record };
  } catch (err) {
    if (err instanceof RpmFormatError) return { ok: false, kind: 'format', reason: err.reason, message: err.message };
    const e = err as NodeJS.ErrnoException;
    return { ok: false, kind: 'fs', code: e.code ?? 'EIO', message: e.message };
  }
}
