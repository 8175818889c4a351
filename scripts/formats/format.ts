/**
 * The format boundary: what the stages (scan, catalog, site, sync transport, closure walk,
 * bundle, cluster, bench) know of package formats. Each format lives in its own folder with
 * parallel file names (`formats/rpm/`: `read-package.ts` reader, `package-record.ts` record,
 * `evr.ts` version order, `repodata/` index writers and readers; `formats/deb/`: `read-deb.ts`
 * reader, `control.ts` fields and relations, `version.ts` dpkg order, `apt-index.ts` index writer;
 * as pulp_rpm/pulp_deb and aptly lay theirs out), and no stage imports a format's files: they
 * import this module.
 *
 * `PackageFormat` is the generic part the scan and the reader threads use (RPM only so far); the
 * names re-exported below are the parts the stages still call directly (RPM's repodata writers and
 * readers and the dnf rules of the closure, the deb reader and apt index writer). The package
 * readers are in package-readers.ts, the part of the boundary the reader threads load alone.
 */
export {
  DEPENDENCY_KINDS, DebFormatError, nevra, readDeb, readPackage, RPM_FORMAT, RpmFormatError,
  type DebChangelogEntry, type DebPackage, type Dependency, type DependencyKind, type PackageFormat,
  type PackageRecord, type ReadPackageOptions, type RpmFormatReason, type SignatureVerifier,
} from './package-readers.ts';

/** The file name ending of Debian packages. */
export const DEB_PACKAGE_EXTENSION = '.deb';

export { compareEvr, newestPerNameArch, parseEvr } from './rpm/evr.ts';
export { Sense, SigTag, Tag, TagType } from './rpm/tags.ts';
export { lookupFilelists } from './rpm/repodata/filelists-reader.ts';
export { copyUpstreamRepodata, readUpstreamPrimary, upstreamMismatch } from './rpm/repodata/keep-upstream.ts';
export { nevraOf, readPrimaryEntries, type PrimaryEntry } from './rpm/repodata/primary-reader.ts';
export type { RepomdRecord } from './rpm/repodata/repomd-xml.ts';
export { subsetMetadataFilter, unpackMetadata } from './rpm/repodata/subset-metadata.ts';
export {
  carryUpstreamMetadata, nodeHash, parseRepomd, readUpstreamRepomd, type UpstreamData,
} from './rpm/repodata/upstream-metadata.ts';
export { writeRepodata } from './rpm/repodata/write-repodata.ts';
export { aptArchitectures, writeAptIndex, type AptPackage } from './deb/apt-index.ts';
export { parseRelations, RELATION_FIELDS, type DebAlternative, type DebRelation } from './deb/control.ts';
export { compareDebVersions } from './deb/version.ts';
export {
  AptDependencyIndex, dpkgArch, installRelations, versionMeets,
} from './deb/dependencies.ts';
export {
  debNva, entryOfControl, parsePackagesIndex, relationsOf, unpackIndex, type AptIndexEntry,
} from './deb/packages-index.ts';
export {
  AptReleaseError, byHashPath, indexVariants, inReleaseText, parseRelease, RELEASE_FILES, verifiedInRelease,
  verifyDetachedRelease,
  type AptRelease, type ReleaseEntry, type ReleaseKeys,
} from './deb/release.ts';
export { parseSourcesFile, type AptSource } from './deb/sources-list.ts';
export { upstreamSuites, type KeptSuite, type RefusedSuite } from './deb/keep-upstream.ts';
export { snapshotUrl } from './deb/snapshot-server.ts';
