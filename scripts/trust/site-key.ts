/**
 * The site key: the OpenPGP key pair that signs what airgap-mirror writes (each repomd.xml,
 * bundle manifests), so that nodes keep `repo_gpgcheck=1` and bundles are checked with a key
 * obtained out of band. Made and used with OpenPGP.js, never with hand-written packets.
 *
 * Key type: a v4 RSA 4096 key (sign-only primary, SHA-256 signatures): what RHEL 8 and 9 dnf
 * (librepo over gpgme, GnuPG 2.2/2.3) and apt's gpgv verify, also in FIPS mode (RSA ≥ 2048 with
 * SHA-2; Ed25519 is refused by RHEL 9's FIPS policy, and v6 keys by GnuPG 2.2). A key exported
 * by `gpg --export-secret-keys --armor` is read too; a passphrase comes from a file or
 * AIRGAP_MIRROR_KEY_PASSPHRASE, never from the command line.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type * as OpenPGP from 'openpgp';
import { UsageError } from '../errors/exit-codes.ts';

/** OpenPGP.js, loaded on first use. */
const pgp = () => import('openpgp');

/** Environment variable holding the site key's passphrase. */
export const PASSPHRASE_ENV = 'AIRGAP_MIRROR_KEY_PASSPHRASE';
/** File names of a key pair written by `key create` and by the first build. */
export const PRIVATE_KEY_FILE = 'site-key.asc';
export const PUBLIC_KEY_FILE = 'site-key.pub.asc';

/** A key ready to sign: the decrypted private key, its armored public key, fingerprint (40 hex, upper case). */
export interface SigningKey { key: OpenPGP.PrivateKey; publicArmored: string; fingerprint: string }

/**
 * Makes a key pair in `dir` (created, mode 0700): `site-key.asc` (private, mode 0600; encrypted
 * with `passphrase` when given) and `site-key.pub.asc`. Returns the key ready to sign.
 * Throws the fs error.
 */
export async function createSiteKey(dir: string, o: { passphrase?: string; name?: string } = {}): Promise<SigningKey> {
  const openpgp = await pgp();
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'rsa', rsaBits: 4096, userIDs: [{ name: o.name ?? 'airgap-mirror site key' }], format: 'armored',
    ...(o.passphrase ? { passphrase: o.passphrase } : {}),
    config: { v6Keys: false, preferredHashAlgorithm: openpgp.enums.hash.sha256 },
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const priv = join(dir, PRIVATE_KEY_FILE);
  await writeFile(priv, privateKey, { mode: 0o600 });
  await chmod(priv, 0o600);
  await writeFile(join(dir, PUBLIC_KEY_FILE), publicKey);
  return readSigningKey(priv, o.passphrase);
}

/**
 * The site key a build uses without `--signing-key`: `.<out>.site-key/site-key.asc` beside `--out`
 * (never inside the site or a bundle), made by the first build and reused by later ones, so the
 * nodes' trust survives rebuilds. Returns the key and whether it was made now. Throws UsageError
 * as readSigningKey does.
 */
export async function siteKeyFor(outDir: string, passphrase?: string):
  Promise<{ key: SigningKey; file: string; created: boolean }> {
  const file = siteKeyFileFor(outDir);
  if (await stat(file).then(() => true, () => false)) {
    return { key: await readSigningKey(file, passphrase), file, created: false };
  }
  return { key: await createSiteKey(dirname(file), passphrase ? { passphrase } : {}), file, created: true };
}

/** The private key file of the site key of `outDir` (see siteKeyFor), whether it exists or not. */
export function siteKeyFileFor(outDir: string): string {
  const out = resolve(outDir);
  return join(dirname(out), `.${basename(out)}.site-key`, PRIVATE_KEY_FILE);
}

/**
 * Reads an armored private key (`site-key.asc`, or `gpg --export-secret-keys --armor`) and
 * decrypts it with `passphrase` when it is encrypted. Throws UsageError naming the file when it
 * is unreadable, not a private key, or the passphrase is missing or wrong.
 */
export async function readSigningKey(file: string, passphrase?: string): Promise<SigningKey> {
  const openpgp = await pgp();
  let key: OpenPGP.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: await readFile(file, 'utf8') });
  } catch (err) {
    throw new UsageError(`${file}: not an armored OpenPGP private key (${(err as Error).message})`);
  }
  if (!key.isDecrypted()) {
    if (!passphrase) {
      throw new UsageError(`${file}: the key is protected by a passphrase: `
        + `give it with --passphrase-file FILE or ${PASSPHRASE_ENV}`);
    }
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch {
      throw new UsageError(`${file}: the passphrase does not unlock this key`);
    }
  }
  return { key, publicArmored: key.toPublic().armor(), fingerprint: key.getFingerprint().toUpperCase() };
}

/**
 * A detached, armored OpenPGP signature of `data` by `k` (SHA-256), as `gpg --detach-sign --armor`
 * makes, created at `date` (default now; never before the key itself); the same inputs give the same bytes.
 */
export async function detachSign(k: SigningKey, data: Uint8Array, date = new Date()): Promise<string> {
  const openpgp = await pgp();
  return openpgp.sign({ message: await openpgp.createMessage({ binary: data }), signingKeys: k.key, detached: true,
    format: 'armored', date: signingDate(k, date), config: deterministic(openpgp) });
}

/** A signature's date: `date`, or the key's creation when that is later (OpenPGP.js refuses to sign before it). */
const signingDate = (k: SigningKey, date: Date) =>
  new Date(Math.max(date.getTime(), k.key.getCreationTime().getTime()));

/**
 * SHA-256 signatures with no random salt notation (OpenPGP.js's default for v4 signatures): RSA
 * PKCS#1 v1.5 is deterministic, so the same data, key and date give the same signature bytes
 * (reproducible sites and bundles).
 */
const deterministic = (openpgp: typeof OpenPGP) =>
  ({ preferredHashAlgorithm: openpgp.enums.hash.sha256, nonDeterministicSignaturesViaNotation: false });

/**
 * `text` clearsigned by `k` (SHA-256), as `gpg --clearsign` makes an apt InRelease, created at `date`
 * (never before the key) with no salt notation, so the same text, key and date give the same bytes.
 */
export async function clearSign(k: SigningKey, text: string, date = new Date()): Promise<string> {
  const openpgp = await pgp();
  return openpgp.sign({ message: await openpgp.createCleartextMessage({ text }), signingKeys: k.key,
    date: signingDate(k, date), config: deterministic(openpgp) });
}

/**
 * Reads the passphrase of a key: the first line of `file` when given, else AIRGAP_MIRROR_KEY_PASSPHRASE,
 * else undefined. Throws UsageError naming an unreadable file.
 */
export async function passphraseFrom(file?: string): Promise<string | undefined> {
  if (file) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`--passphrase-file ${file}: cannot read it (${err.code})`);
    });
    return text.split(/\r?\n/)[0];
  }
  return process.env[PASSPHRASE_ENV] || undefined;
}

/** A public key to check signatures with: the OpenPGP.js key and its fingerprint (40 hex, upper case). */
export interface VerifyingKey { key: OpenPGP.PublicKey; fingerprint: string }

/** Reads an armored or binary public key file (`site-key.pub.asc`, `gpg --export`); throws UsageError naming it. */
export async function readVerifyingKey(file: string): Promise<VerifyingKey> {
  const openpgp = await pgp();
  try {
    const data = await readFile(file);
    const text = data.toString('latin1');
    const key = text.includes('-----BEGIN PGP')
      ? await openpgp.readKey({ armoredKey: text }) : await openpgp.readKey({ binaryKey: new Uint8Array(data) });
    return { key: key.toPublic(), fingerprint: key.getFingerprint().toUpperCase() };
  } catch (err) {
    throw new UsageError(`--key ${file}: not an OpenPGP public key (${(err as Error).message})`);
  }
}

/**
 * The fingerprint (or, for old signatures, the 16-hex key ID) of the key that made an armored
 * detached signature; undefined when unreadable.
 */
export async function signerOf(signature: string): Promise<string | undefined> {
  const openpgp = await pgp();
  return openpgp.readSignature({ armoredSignature: signature }).then(issuerOf, () => undefined);
}

/** The issuer fingerprint (or 16-hex key ID) of a read signature's first packet. */
function issuerOf(sig: OpenPGP.Signature): string | undefined {
  const packet = sig.packets[0];
  if (packet?.issuerFingerprint) return Buffer.from(packet.issuerFingerprint).toString('hex').toUpperCase();
  return packet?.issuerKeyID.toHex().toUpperCase();
}

/**
 * Why the armored detached `signature` of `data` does not verify with `k`, or undefined when it
 * does: missing, unreadable, made by another key (named), or bad (the data changed).
 */
export async function signatureProblem(k: VerifyingKey, data: Uint8Array, signature: string | undefined):
  Promise<string | undefined> {
  if (signature === undefined) return 'no signature';
  const openpgp = await pgp();
  let sig: OpenPGP.Signature;
  try {
    sig = await openpgp.readSignature({ armoredSignature: signature });
  } catch (err) {
    return `the signature cannot be read (${(err as Error).message})`;
  }
  const signer = issuerOf(sig);
  const ids = k.key.getKeyIDs().map((id) => id.toHex().toUpperCase());
  if (signer && signer !== k.fingerprint && !ids.includes(signer)) {
    return `signed by another key (${signer}), not by ${k.fingerprint}`;
  }
  const message = await openpgp.createMessage({ binary: data });
  const result = await openpgp.verify({ message, signature: sig, verificationKeys: k.key });
  try {
    await result.signatures[0]!.verified;
    return undefined;
  } catch {
    return `the signature does not match: the signed file was changed after it was signed by ${k.fingerprint}`;
  }
}
