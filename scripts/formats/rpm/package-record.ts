/**
 * The one package record type: produced once by the RPM reader, consumed by repodata,
 * catalog and site. Field meanings follow createrepo_c's `cr_Package` (src/package.h).
 */

/** One dependency entry (provides/requires/...). EVR parts absent when the dependency is unversioned. */
export interface Dependency {
  name: string;
  /** 'LT' | 'GT' | 'EQ' | 'LE' | 'GE' (createrepo_c `cr_flag_to_str`), absent when unversioned. */
  flags?: string;
  epoch?: string;
  version?: string;
  release?: string;
  /** True for Requires(pre)/(post)/PreReq (createrepo_c: PREREQ|SCRIPT_PRE|SCRIPT_POST bits). */
  pre?: boolean;
}

/** One file of the package: full path and its repodata type. */
export interface PackageFile {
  path: string;
  type: 'file' | 'dir' | 'ghost';
}

/** One changelog entry; `date` in epoch seconds. */
export interface ChangelogEntry {
  author: string;
  date: number;
  text: string;
}

/** One OpenPGP signature found in the signature header. `created` in epoch seconds. */
export interface SignatureInfo {
  /** 16 lowercase hex digits (v4: low 64 bits of the fingerprint; v6: high 64 bits). */
  keyId: string;
  /** Full issuer fingerprint in lowercase hex when the signature carries one. */
  fingerprint?: string;
  algorithm: string;
  hash: string;
  version: number;
  created?: number;
  /** Signature header tag name the signature came from (RSAHEADER, DSAHEADER, SIGPGP, SIGGPG, OPENPGP). */
  source: string;
  /** Checked against the mirrored keys: good, bad, made by a key not in the mirror, or not checked. */
  verdict?: 'good' | 'bad' | 'unknown-key' | 'unchecked';
}

/** Dependency kinds, in the order createrepo_c writes them into primary.xml. */
export const DEPENDENCY_KINDS = ['provides', 'requires', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements'] as const;
/** One of the dependency kinds of primary.xml. */
export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];

/** Everything primary/filelists/other and the catalog need about one .rpm file. */
export interface PackageRecord {
  name: string;
  /** Epoch as a decimal string; "0" when the header has none (createrepo_c). */
  epoch: string;
  version: string;
  release: string;
  /** `src` for source packages (RPMTAG_SOURCEPACKAGE set), else RPMTAG_ARCH. */
  arch: string;
  /** sha256 of the whole .rpm file, lowercase hex: the repodata pkgid. */
  pkgid: string;
  summary: string;
  description: string;
  packager: string;
  url: string;
  license: string;
  vendor: string;
  group: string;
  buildhost: string;
  /** Empty for source packages. */
  sourcerpm: string;
  /** File mtime and RPMTAG_BUILDTIME, epoch seconds. */
  timeFile: number;
  timeBuild: number;
  /** Bytes: the .rpm file; installed (LONGSIZE or SIZE); cpio archive (LONGARCHIVESIZE or PAYLOADSIZE). */
  sizePackage: number;
  sizeInstalled: number;
  sizeArchive: number;
  /** Path of the .rpm relative to the repo root, '/'-separated. */
  locationHref: string;
  /** Byte range [start, end) of the main header in the file (rpm:header-range). */
  headerStart: number;
  headerEnd: number;
  deps: Record<DependencyKind, Dependency[]>;
  files: PackageFile[];
  /** Oldest first, at most the changelog limit (newest kept), like createrepo_c. */
  changelogs: ChangelogEntry[];
  signatures: SignatureInfo[];
  /** Tag names whose text was not valid UTF-8 and was read as ISO-8859-1. */
  nonUtf8Tags: string[];
  /** Digests that do not match the file (e.g. `payload SHA256`); empty for a sound package. */
  digestProblems: string[];
  /** Digests that were checked (header SHA256/SHA1, payload, MD5), as rpm -K would. */
  digestsChecked: string[];
  /** True when the package failed a digest or signature check and was kept (--keep-corrupt). */
  corrupt?: boolean;
}

/** `name-[epoch:]version-release.arch`, epoch omitted when 0. */
export function nevra(p: Pick<PackageRecord, 'name' | 'epoch' | 'version' | 'release' | 'arch'>): string {
  const e = p.epoch && p.epoch !== '0' ? `${p.epoch}:` : '';
  return `${p.name}-${e}${p.version}-${p.release}.${p.arch}`;
}
