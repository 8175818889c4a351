/**
 * Upstream signatures checked by sync, as dnf checks them on a node (dnf.conf(5)):
 * - `repo_gpgcheck=1` (`repoGpgcheck: true`): `repodata/repomd.xml.asc` must be a good signature
 *   of the repomd.xml fetched, by one of the repo's `gpgkey=` keys, before anything of the repo
 *   is used (librepo checks the same file);
 * - `gpgcheck=1`: each package's header signature must verify against those keys before the
 *   file is renamed into place (rpm's check on install).
 * Keys come from `gpgkey=` (http/https/file URLs, fetched with the repo's TLS settings, or local
 * paths); their fingerprints go into the lockfile, and a replay refuses a key that changed.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SyncRepo } from '../config/config-schema.ts';
import { readPackage } from '../formats/format.ts';
import { keysFrom, signatureVerifier, type LoadedKeys } from '../trust/mirror-keys.ts';
import type { Transfer } from './transfer.ts';
import { withSlash } from './location.ts';

/** A key a repo's signatures are checked with: where it came from, and its fingerprint (40 hex, upper case). */
export interface KeyPin { source: string; fingerprint: string }

/** The keys of a repo, with their pins; or why they cannot be had. */
export type UpstreamKeys = { loaded: LoadedKeys; pins: KeyPin[] } | { problem: string };

/** Whether `repo` asks for any signature check. */
export const checksSignatures = (repo: SyncRepo) => !!(repo.repoGpgcheck || repo.gpgcheck);

/**
 * Loads `repo.gpgkey` (URLs through `transfer`, or files). With `pinned` (from a lockfile), every
 * key must have a pinned fingerprint. Never throws.
 */
export async function loadUpstreamKeys(repo: SyncRepo, transfer: Transfer, pinned?: KeyPin[]): Promise<UpstreamKeys> {
  const sources = repo.gpgkey ?? [];
  if (!sources.length) {
    const check = repo.repoGpgcheck ? 'repo_gpgcheck' : 'gpgcheck';
    return { problem: `${check}=1 but the repo names no gpgkey to check with` };
  }
  return loadKeySources(sources, 'gpgkey', transfer, pinned);
}

/**
 * Loads a deb repo's `signedBy` keys (files, URLs, or an armored key written inline), pinned as
 * loadUpstreamKeys pins. Never throws.
 */
export async function loadSignedByKeys(repo: SyncRepo, transfer: Transfer, pinned?: KeyPin[]): Promise<UpstreamKeys> {
  if (!repo.signedBy?.length) return { problem: 'the repo names no signedBy key to check its Release with' };
  return loadKeySources(repo.signedBy, 'signedBy', transfer, pinned);
}

/** Reads each key source (`what` names the config field in problems); see loadUpstreamKeys. */
async function loadKeySources(sources: string[], what: string, transfer: Transfer, pinned?: KeyPin[]):
  Promise<UpstreamKeys> {
  const files = await Promise.all(sources.map(async (source) => {
    if (source.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
      return { file: `${what} (inline key)`, data: Buffer.from(source) };
    }
    return {
      file: source,
      data: await (/^(https?|file):\/\//.test(source) ? transfer.fetchBytes(source) : readFile(source))
        .catch((err: Error) => err),
    };
  }));
  const loaded = await keysFrom(files);
  if (loaded.problems.length) {
    const p = loaded.problems[0]!;
    return { problem: `${what} ${p.file} gives no usable OpenPGP key (${p.reason})` };
  }
  const pins = loaded.keys.map((k) => ({ source: k.file, fingerprint: k.fingerprint.toUpperCase() }));
  if (pinned) {
    const allowed = new Set(pinned.map((p) => p.fingerprint));
    const changed = pins.find((p) => !allowed.has(p.fingerprint));
    if (changed) {
      return { problem: `${what} ${changed.source} now gives the key ${changed.fingerprint}, `
        + 'which the lockfile does not pin '
        + `(${[...allowed].join(', ')})` };
    }
  }
  return { loaded, pins };
}

/**
 * Why `repomd` (the repomd.xml fetched from `repo`) is not signed by one of `loaded`'s keys, or
 * undefined when it is: `repodata/repomd.xml.asc` missing upstream, unreadable, by another key,
 * or bad. Throws the TransferError of a failed fetch other than a 404.
 */
export async function repomdSignatureProblem(repo: SyncRepo, transfer: Transfer, repomd: Buffer, loaded: LoadedKeys):
  Promise<string | undefined> {
  const url = `${withSlash(repo.baseurl)}repodata/repomd.xml.asc`;
  const asc = await transfer.fetchIfPresent(url);
  if (!asc) return `upstream has no ${url}: its repomd.xml is unsigned`;
  const openpgp = await import('openpgp');
  let verdict: string;
  try {
    const dearmored = await openpgp.readSignature({ armoredSignature: asc.toString('latin1') })
      .catch(() => openpgp.readSignature({ binarySignature: new Uint8Array(asc) }));
    verdict = await signatureVerifier(loaded)(Buffer.from(dearmored.write()), repomd);
  } catch (err) {
    return `${url} is not an OpenPGP signature (${(err as Error).message})`;
  }
  if (verdict === 'good') return undefined;
  const keys = loaded.keys.map((k) => k.fingerprint.toUpperCase()).join(', ');
  return verdict === 'unknown-key' ? `${url} was made by a key that is not among the repo's gpgkey (${keys})`
    : `${url} does not verify with ${keys}: the repomd.xml served is not the one that was signed`;
}

/**
 * A check of a downloaded package file (gpgcheck=1): why its header signature does not verify
 * against `loaded`, or undefined when one does (rpm -K's check of the signature).
 */
export function packageSignatureCheck(loaded: LoadedKeys): (file: string) => Promise<string | undefined> {
  const verifySignature = signatureVerifier(loaded);
  return async (file) => {
    let sigs;
    try {
      sigs = (await readPackage(file, basename(file), { changelogLimit: 0, verifySignature })).signatures;
    } catch (err) {
      return `not a readable package (${(err as Error).message})`;
    }
    if (!sigs.length) return 'the package is unsigned (gpgcheck=1)';
    if (sigs.some((s) => s.verdict === 'good')) return undefined;
    const ids = [...new Set(sigs.map((s) => s.keyId))].join(', ');
    return sigs.some((s) => s.verdict === 'bad') ? `its signature by ${ids} does not verify: the package was altered`
      : `it is signed by ${ids}, which is not among the repo's gpgkey`;
  };
}
