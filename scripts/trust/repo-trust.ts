/**
 * Per-repo trust summary: which mirrored keys signed which packages, how many packages are
 * unsigned, signed by keys not in the mirror, or corrupt, and whether the repo can be used
 * with gpgcheck=1 (every package has a signature that verified against a mirrored key).
 */
import { type PackageRecord } from '../formats/format.ts';
import type { LoadedKeys, MirrorKey } from './mirror-keys.ts';

/** Trust facts of one repo. Counts are packages. */
export interface RepoTrust {
  keys: (MirrorKey & { packages: number })[];
  checked: number;
  verified: number;
  unsigned: number;
  unknownKey: number;
  corrupt: number;
  unknownKeyIds: string[];
  /** Key files holding a key that signed at least one package. */
  signingKeyFiles: string[];
  /** Why gpgcheck must be 0; absent when gpgcheck=1 is safe. */
  gpgcheckOffReason?: string;
  verifySignatures: boolean;
}

/** Summarises `packages` against the repo's loaded keys. */
export function repoTrust(packages: PackageRecord[], loaded: LoadedKeys, verifySignatures: boolean): RepoTrust {
  const keyOf = new Map<string, MirrorKey>();
  for (const k of loaded.keys) for (const id of k.keyIds) keyOf.set(id, k);
  const counts = new Map<MirrorKey, number>();
  const unknown = new Set<string>();
  let verified = 0, unsigned = 0, unknownKey = 0, corrupt = 0;
  for (const p of packages) {
    if (p.corrupt) corrupt++;
    if (!p.signatures.length) { unsigned++; continue; }
    const good = p.signatures.filter((s) => s.verdict === 'good');
    if (good.length) verified++;
    const mirrored = [...new Set(p.signatures.map((s) => keyOf.get(s.keyId)).filter((k): k is MirrorKey => !!k))];
    for (const k of mirrored) counts.set(k, (counts.get(k) ?? 0) + 1);
    if (!mirrored.length) { unknownKey++; p.signatures.forEach((s) => unknown.add(s.keyId)); }
  }
  let reason: string | undefined;
  if (!packages.length) reason = 'the repo has no packages';
  else if (!loaded.keys.length) reason = 'no key file (*.pub, *.asc, RPM-GPG-KEY-*) was mirrored with this repo';
  else if (!verifySignatures) reason = 'signature verification was turned off (--no-verify-signatures)';
  else if (unsigned) reason = `${unsigned} package${unsigned > 1 ? 's are' : ' is'} unsigned`;
  else if (unknownKey) reason = `${unknownKey} package${unknownKey > 1 ? 's are' : ' is'} signed by keys not mirrored here (${[...unknown].sort().join(', ')})`;
  else if (corrupt || verified < packages.length) reason = 'some signatures do not verify';
  return {
    keys: loaded.keys.map((k) => ({ ...k, packages: counts.get(k) ?? 0 })),
    checked: packages.length, verified, unsigned, unknownKey, corrupt,
    unknownKeyIds: [...unknown].sort(),
    signingKeyFiles: [...new Set([...counts.keys()].map((k) => k.file))].sort(),
    ...(reason ? { gpgcheckOffReason: reason } : {}),
    verifySignatures,
  };
}
