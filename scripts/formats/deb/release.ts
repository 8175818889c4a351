/**
 * The upstream side of an apt repository: its `Release` file and the signature over it, read as
 * apt 2.4 reads them (apt-pkg/deb/debmetaindex.cc `Load`, acquire-item.cc):
 * - `InRelease` is a clear-signed `Release`; else `Release` with a detached `Release.gpg`. Only the
 *   text under a good signature by one of the Signed-By keys is used (never the bytes around it).
 * - The hash lists name every index with its size; a Release without a strong list (SHA256 or
 *   SHA512; MD5Sum and SHA1 are not "usable", apt hashes.cc) authenticates nothing and is refused.
 * - `Valid-Until` in the past makes the Release expired; `Acquire-By-Hash: yes` lets an index be
 *   fetched at `<its dir>/by-hash/<hash type>/<hex>` (the strongest listed type).
 * - An index counts as offered when its uncompressed name is listed (`main/binary-amd64/Packages`);
 *   its compressed variants only when they are listed too.
 */
import type * as OpenPGP from 'openpgp';
import { parseControl } from './control.ts';

/** One file a Release lists: path under the suite's directory, size (bytes), hash type and hex digest. */
export interface ReleaseEntry { path: string; size: number; hashType: 'sha256' | 'sha512'; hash: string }

/** A parsed Release (sizes in bytes; dates as epoch seconds). */
export interface AptRelease {
  fields: Record<string, string>;
  /** Every file of the strongest hash list, by path. */
  entries: Map<string, ReleaseEntry>;
  acquireByHash: boolean; architectures: string[]; components: string[];
  /** `Valid-Until`, when given and readable. */
  validUntil?: number;
}

/**
 * Why a Release or its signature cannot be used: `signature` (missing, bad, unknown key), `content`
 * (unusable text), or `absent` (the suite publishes no Release at all).
 */
export class AptReleaseError extends Error {
  readonly kind: 'signature' | 'content' | 'absent';
  constructor(kind: 'signature' | 'content' | 'absent', message: string) {
    super(message);
    this.kind = kind;
  }
}

/** The hash lists in strength order, with the Release field that holds each (apt's hashes.cc names). */
const STRONG = [['SHA512', 'sha512'], ['SHA256', 'sha256']] as const;

/**
 * Parses Release text. Throws AptReleaseError (`content`) when no strong hash list is present or
 * a list line cannot be read.
 */
export function parseRelease(text: string): AptRelease {
  const fields = parseControl(text);
  // SHA256 is what every archive carries and what apt-ftparchive and reprepro write; SHA512 alone is accepted too
  const [field, hashType] = fields.SHA256 !== undefined ? ['SHA256', 'sha256'] as const
    : STRONG.find(([f]) => fields[f] !== undefined) ?? [undefined, undefined];
  if (!field || !hashType) {
    throw new AptReleaseError('content', 'the Release has no SHA256 or SHA512 list (MD5Sum and SHA1 are too weak '
      + 'for apt to authenticate anything)');
  }
  const entries = new Map<string, ReleaseEntry>();
  for (const line of fields[field]!.split('\n')) {
    if (!line.trim()) continue;
    const m = /^\s*([0-9a-fA-F]+)\s+(\d+)\s+(\S+)\s*$/.exec(line);
    if (!m) throw new AptReleaseError('content', `unreadable ${field} line in the Release: ${JSON.stringify(line)}`);
    entries.set(m[3]!, { path: m[3]!, size: Number(m[2]), hashType, hash: m[1]!.toLowerCase() });
  }
  const until = fields['Valid-Until'] ? Date.parse(fields['Valid-Until']) : NaN;
  return {
    fields, entries, acquireByHash: /^yes$/i.test(fields['Acquire-By-Hash'] ?? ''),
    architectures: (fields.Architectures ?? '').split(/\s+/).filter(Boolean),
    components: (fields.Components ?? '').split(/\s+/).filter(Boolean),
    ...(Number.isNaN(until) ? {} : { validUntil: Math.floor(until / 1000) }),
  };
}

/** The index variants apt may fetch for an uncompressed index name, best first (apt's default order: xz, gz, plain). */
export function indexVariants(release: AptRelease, name: string): ReleaseEntry[] {
  if (!release.entries.has(name)) return [];
  return ['.xz', '.gz', ''].map((ext) => release.entries.get(name + ext)).filter((e): e is ReleaseEntry => !!e)
    .filter((e) => e.size > 0 || e.path === name);
}

/** The by-hash path of `entry` (acquire-item.cc: `<dir>/by-hash/<SHA256|SHA512>/<hex>`). */
export const byHashPath = (entry: ReleaseEntry) => {
  const dir = entry.path.includes('/') ? entry.path.slice(0, entry.path.lastIndexOf('/') + 1) : '';
  return `${dir}by-hash/${entry.hashType.toUpperCase()}/${entry.hash}`;
};

/** Keys to check a Release with: the OpenPGP public keys of Signed-By and their key ids (hex, lower case). */
export interface ReleaseKeys { handles: OpenPGP.PublicKey[]; keyIds: Set<string> }

/**
 * Checks the signatures of a verification result: one must be by a Signed-By key and good. Throws
 * AptReleaseError (`signature`) naming the signer when none is.
 */
async function checkSignatures(result: OpenPGP.VerifyMessageResult, keys: ReleaseKeys, what: string): Promise<void> {
  const issuers = result.signatures.map((s) => s.keyID.toHex());
  const ours = result.signatures.filter((s) => keys.keyIds.has(s.keyID.toHex()));
  if (!ours.length) {
    throw new AptReleaseError('signature', `${what} is signed by ${issuers.join(', ') || 'no key id'}, `
      + 'which is not among the Signed-By keys (NO_PUBKEY, as apt says)');
  }
  const good = await Promise.all(ours.map((s) => s.verified.then(() => true, () => false)));
  if (!good.some(Boolean)) {
    throw new AptReleaseError('signature', `${what} does not verify: it was altered after signing`);
  }
}

/** A suite's Release files in the order they are placed: InRelease last, so apt never reads one naming absent ones. */
export const RELEASE_FILES = ['Release.gpg', 'Release', 'InRelease'];

/** Reads `inRelease` as a clear-signed message; throws AptReleaseError of `kind` when it is not one. */
async function readInRelease(inRelease: Buffer, kind: AptReleaseError['kind']): Promise<OpenPGP.CleartextMessage> {
  const openpgp = await import('openpgp');
  try {
    return await openpgp.readCleartextMessage({ cleartextMessage: inRelease.toString('utf8') });
  } catch (err) {
    throw new AptReleaseError(kind, `InRelease is not a clear-signed message (${(err as Error).message})`);
  }
}

/**
 * The Release text of `inRelease` without checking its signature: for a repo taken with `trusted: true`,
 * or a suite a sync already checked. Throws AptReleaseError (`content`) for a file that is not clear-signed.
 */
export async function inReleaseText(inRelease: Buffer): Promise<string> {
  return (await readInRelease(inRelease, 'content')).getText();
}

/**
 * The Release text under a good clear-signature of `inRelease` (an InRelease file) by one of `keys`.
 * Throws AptReleaseError (`signature`) for a file that is not clear-signed, a key not among `keys`,
 * or a bad signature.
 */
export async function verifiedInRelease(inRelease: Buffer, keys: ReleaseKeys): Promise<string> {
  const openpgp = await import('openpgp');
  const message = await readInRelease(inRelease, 'signature');
  await checkSignatures(await openpgp.verify({ message, verificationKeys: keys.handles, expectSigned: false }), keys,
    'InRelease');
  return message.getText();
}

/**
 * Checks `signature` (Release.gpg, armored or binary) over `release`. Throws AptReleaseError
 * (`signature`) as verifiedInRelease does.
 */
export async function verifyDetachedRelease(release: Buffer, signature: Buffer, keys: ReleaseKeys): Promise<void> {
  const openpgp = await import('openpgp');
  let sig: OpenPGP.Signature;
  try {
    sig = await openpgp.readSignature({ armoredSignature: signature.toString('latin1') })
      .catch(() => openpgp.readSignature({ binarySignature: new Uint8Array(signature) }));
  } catch (err) {
    throw new AptReleaseError('signature', `Release.gpg is not an OpenPGP signature (${(err as Error).message})`);
  }
  const message = await openpgp.createMessage({ binary: new Uint8Array(release) });
  const result = await openpgp.verify({ message, signature: sig, verificationKeys: keys.handles, format: 'binary' });
  await checkSignatures(result, keys, 'Release.gpg');
}
