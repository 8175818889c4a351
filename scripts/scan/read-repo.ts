/**
 * Reads every RPM of one repo into package records, reporting each unusable file (one line
 * naming it and the reason) and going on with the rest. Duplicate NEVRAs keep the first
 * file in path order. Records come back sorted by location.
 */
import { posix } from 'node:path';
import type { Diagnostics } from '../errors/catalogue.ts';
import { readPackage, type SignatureVerifier } from '../rpm/read-package.ts';
import { RpmFormatError } from '../rpm/rpm-format-error.ts';
import { nevra, type PackageRecord } from '../rpm/package-record.ts';
import type { RepoInput } from './find-repos.ts';

/** Progress callbacks (counts and bytes). */
export interface ReadProgress { onFile?: () => void; onBytes?: (bytes: number) => void }

/** Integrity options: signature verifier (mirrored keys) and whether to keep corrupted packages, flagged. */
export interface IntegrityOptions { verifySignature?: SignatureVerifier; keepCorrupt?: boolean }

const HTML_LIKE = /<\s*\/?\s*[A-Za-z][^>]*>/;

/** Reads a repo's packages from `mirrorDir`. Never throws for a bad package. */
export async function readRepo(mirrorDir: string, repo: RepoInput, diags: Diagnostics, progress: ReadProgress = {}, changelogLimit?: number, integrity: IntegrityOptions = {}): Promise<PackageRecord[]> {
  const byNevra = new Map<string, PackageRecord>();
  const records: PackageRecord[] = [];
  for (const href of repo.rpms) {
    const rel = posix.join(repo.path, href);
    let rec: PackageRecord;
    try {
      rec = await readPackage(posix.join(mirrorDir, rel), href, { onBytes: progress.onBytes, ...(changelogLimit !== undefined ? { changelogLimit } : {}), ...(integrity.verifySignature ? { verifySignature: integrity.verifySignature } : {}) });
    } catch (err) {
      reportReadError(diags, rel, err);
      continue;
    } finally {
      progress.onFile?.();
    }
    const badSigs = rec.signatures.filter((x) => x.verdict === 'bad');
    if (rec.digestProblems.length || badSigs.length) {
      const kept = !!integrity.keepCorrupt;
      if (rec.digestProblems.length) diags.report('rpm-digest-mismatch', rel, rec.digestProblems.join(', '), kept);
      else diags.report('rpm-bad-signature', rel, [...new Set(badSigs.map((x) => x.keyId))].join(', '), kept);
      if (!kept) continue;
      rec.corrupt = true;
    }
    const key = nevra(rec);
    const kept = byNevra.get(key);
    if (kept) {
      diags.report('duplicate-nevra', rel, key, posix.join(repo.path, kept.locationHref));
      continue;
    }
    byNevra.set(key, rec);
    if (rec.nonUtf8Tags.length) diags.report('non-utf8-text', rel, rec.nonUtf8Tags.join(', '));
    const html = (['summary', 'description'] as const).filter((f) => HTML_LIKE.test(rec[f]));
    if (html.length) diags.report('html-in-text', rel, html.join(', '));
    records.push(rec);
  }
  return records.sort((a, b) => (a.locationHref < b.locationHref ? -1 : a.locationHref > b.locationHref ? 1 : 0));
}

function reportReadError(diags: Diagnostics, rel: string, err: unknown): void {
  if (err instanceof RpmFormatError) {
    if (err.reason === 'empty') diags.report('rpm-empty', rel);
    else if (err.reason === 'truncated') diags.report('rpm-truncated', rel, err.message);
    else if (err.reason === 'bad-magic') diags.report('rpm-not-rpm', rel, err.message);
    else diags.report('rpm-corrupt-header', rel, err.message);
    return;
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') diags.report('symlink-loop', rel);
  else if (code === 'EISDIR') diags.report('rpm-not-rpm', rel, 'it is a directory');
  else diags.report('file-unreadable', rel, code ?? (err as Error).message);
}
