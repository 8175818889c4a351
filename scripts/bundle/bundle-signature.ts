/**
 * Bundle signatures (write-bundle.ts makes them): a detached signature of the manifest (and of the
 * delta list) inside the bundle, and of the `.sha256` / `.parts.sha256` file beside it. Checked
 * with a public key the other side got out of band (`--key`): a signature that is missing, bad or
 * made by another key refuses the bundle; without a key, who signed it is said, not checked.
 */
import { readFile } from 'node:fs/promises';
import { signatureProblem, signerOf, type VerifyingKey } from '../trust/site-key.ts';
import { volumeSumsName } from './split-writer.ts';

/** How a signature stands: a line for the report, and why it refuses the bundle (only with a key). */
export interface SignatureVerdict { note: string; problem?: string }

/**
 * Checks the armored detached `signature` of `data` (named `what` in the lines) with `key`, or
 * says who signed it when no key is given.
 */
export async function signatureVerdict(what: string, data: Uint8Array | undefined, signature: string | undefined,
  key?: VerifyingKey): Promise<SignatureVerdict> {
  if (!key) {
    const signer = signature && await signerOf(signature);
    return { note: signer ? `${what}: signed by ${signer}, not checked (give --key PUB to check it)`
      : `${what}: unsigned` };
  }
  if (data === undefined) {
    return { note: `${what}: missing`, problem: `${what} is missing, so its signature cannot be checked` };
  }
  const problem = await signatureProblem(key, data, signature);
  return problem ? { note: `${what}: ${problem}`, problem: `${what}: ${problem}` }
    : { note: `${what}: signed by ${key.fingerprint}, checked` };
}

/**
 * The verdict on the checksum file beside a bundle file (`<bundle>.parts.sha256` for volumes, else
 * `<bundle>.sha256`) and its `.asc`. Never throws.
 */
export async function sidecarVerdict(bundle: string, key?: VerifyingKey): Promise<SignatureVerdict> {
  for (const sums of [volumeSumsName(bundle), `${bundle}.sha256`]) {
    const data = await readFile(sums).catch(() => undefined);
    if (!data) continue;
    const signature = await readFile(`${sums}.asc`, 'utf8').catch(() => undefined);
    return signatureVerdict(sums, data, signature, key);
  }
  return signatureVerdict(`${bundle}.sha256`, undefined, undefined, key);
}
