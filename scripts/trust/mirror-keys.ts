/**
 * OpenPGP public keys mirrored with a repo (`*.pub`, `*.asc`, `RPM-GPG-KEY-*`, armored or
 * binary), parsed with OpenPGP.js: key ID, fingerprint, user IDs, creation and expiry
 * (epoch seconds), and the IDs of the subkeys that may also sign.
 */
import { readRegularFile } from '../read-regular-file.ts';
import type * as OpenPGP from 'openpgp';

/** OpenPGP.js, loaded on first use (it is large, and most repos have no keys). */
const pgp = () => import('openpgp');

/** One public key found in a key file. Times in epoch seconds; `expires` absent when it never expires. */
export interface MirrorKey {
  /** Key file, relative to the repo root. */
  file: string;
  keyId: string;
  fingerprint: string;
  userIds: string[];
  algorithm: string;
  created: number;
  expires?: number;
  /** Key IDs (16 hex) of the primary key and every subkey. */
  keyIds: string[];
}

/** A key file that could not be read as OpenPGP keys, and why. */
export interface KeyFileProblem { file: string; reason: string }

/** Parsed keys with their OpenPGP.js objects (for verification). */
export interface LoadedKeys { keys: MirrorKey[]; handles: OpenPGP.PublicKey[]; problems: KeyFileProblem[] }

/** Reads each key file (absolute path `dir/<file>`). Never throws: unreadable files become problems. */
export async function loadKeys(dir: string, files: string[]): Promise<LoadedKeys> {
  return keysFrom(await Promise.all(files.map(async (file) => ({
    file, data: await readRegularFile(`${dir}/${file}`, 16 << 20).catch((err: Error) => err) }))));
}

/**
 * Reads the keys of key files already in memory (`data`, or the error reading it), each named
 * by `file` (a path or URL). Never throws: files that hold no key become problems.
 */
export async function keysFrom(files: { file: string; data: Buffer | Error }[]): Promise<LoadedKeys> {
  const out: LoadedKeys = { keys: [], handles: [], problems: [] };
  if (!files.length) return out;
  const openpgp = await pgp();
  for (const { file, data } of files) {
    try {
      if (data instanceof Error) throw data;
      const text = data.toString('latin1');
      const keys = text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')
        ? await openpgp.readKeys({ armoredKeys: text })
        : await openpgp.readKeys({ binaryKeys: new Uint8Array(data) });
      for (const k of keys) {
        const expiry = await k.getExpirationTime().catch(() => null);
        out.handles.push(k);
        out.keys.push({
          file,
          keyId: k.getKeyID().toHex(),
          fingerprint: k.getFingerprint(),
          userIds: k.getUserIDs(),
          algorithm: String(k.getAlgorithmInfo().algorithm),
          created: Math.floor(k.getCreationTime().getTime() / 1000),
          ...(expiry instanceof Date ? { expires: Math.floor(expiry.getTime() / 1000) } : {}),
          keyIds: [k.getKeyID().toHex(), ...k.getSubkeys().map((s) => s.getKeyID().toHex())],
        });
      }
    } catch (err) {
      out.problems.push({ file, reason: (err as Error).message });
    }
  }
  return out;
}

/**
 * A verifier for readPackage: checks a signature packet over the signed bytes against the
 * keys; 'unknown-key' when no key has the signature's issuer ID, 'bad' when it does not verify.
 */
export function signatureVerifier(loaded: LoadedKeys): (packet: Buffer, data: Buffer) => Promise<'good' | 'bad' | 'unknown-key' | 'unchecked'> {
  const known = new Set(loaded.keys.flatMap((k) => k.keyIds));
  return async (packet, data) => {
    const openpgp = await pgp();
    let signature: OpenPGP.Signature;
    try {
      signature = await openpgp.readSignature({ binarySignature: new Uint8Array(packet) });
    } catch {
      return 'bad';
    }
    const issuers = signature.getSigningKeyIDs().map((id) => id.toHex());
    if (!issuers.some((id) => known.has(id))) return 'unknown-key';
    try {
      const message = await openpgp.createMessage({ binary: new Uint8Array(data) });
      const result = await openpgp.verify({ message, signature, verificationKeys: loaded.handles, format: 'binary' });
      await result.signatures[0]!.verified;
      return 'good';
    } catch {
      return 'bad';
    }
  };
}
