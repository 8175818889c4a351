/**
 * The reading half of the format boundary (format.ts re-exports all of it): each format's package
 * reader, its error and its record, and nothing of the index writers and readers. The reader
 * threads (scan/read-worker.mjs) import this module alone: about 20 modules instead of the 200
 * the whole boundary loads (yaml, xml2js and saxes among them), so a thread boots some 40 ms
 * sooner, which a build waits for before its first threaded read.
 */
import { readPackage, type ReadPackageOptions } from './rpm/read-package.ts';
import type { PackageRecord } from './rpm/package-record.ts';

/** One package format as the stages use it. */
export interface PackageFormat {
  /** `rpm` (the deb format is reached through the names re-exported below). */
  name: 'rpm';
  /** The file name ending of its packages, with the dot. */
  packageExtension: string;
  /** The file whose presence marks a repo with its own index, relative to the repo (`repodata/repomd.xml`). */
  indexFile: string;
  /** Reads one package file into the common record; throws the format's error for a file that is not one. */
  readPackage(file: string, href: string, options?: ReadPackageOptions): Promise<PackageRecord>;
}

/** RPM: rpm's header format, rpm-md repodata (createrepo_c), dnf's rules. */
export const RPM_FORMAT: PackageFormat = {
  name: 'rpm', packageExtension: '.rpm', indexFile: 'repodata/repomd.xml', readPackage,
};

export {
  DEPENDENCY_KINDS, nevra, type Dependency, type DependencyKind, type PackageRecord,
} from './rpm/package-record.ts';
export { readPackage, type ReadPackageOptions, type SignatureVerifier } from './rpm/read-package.ts';
export { RpmFormatError, type RpmFormatReason } from './rpm/rpm-format-error.ts';
export { DebFormatError, readDeb, type DebChangelogEntry, type DebPackage } from './deb/read-deb.ts';
