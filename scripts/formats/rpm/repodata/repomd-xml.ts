/**
 * repomd.xml, the index dnf reads first (createrepo_c src/repomd.c layout): one `<data>` per
 * metadata file with checksum of the stored file, open-checksum of the uncompressed content,
 * location, timestamp (epoch seconds), size and open-size (bytes). Built with xml2js.
 */
import xml2js from 'xml2js';

/** One metadata file entry of repomd.xml. */
export interface RepomdRecord {
  type: string;
  /** Path relative to the repo root, e.g. `repodata/<sha256>-primary.xml.gz`. */
  href: string;
  checksum: string;
  checksumType: string;
  openChecksum?: string;
  openChecksumType?: string;
  /** Epoch seconds. */
  timestamp: number;
  size: number;
  openSize?: number;
}

/** Serialises repomd.xml; `revision` is written as given (we use epoch seconds). */
export function repomdXml(revision: string, records: RepomdRecord[]): string {
  const data = records.map((r) => {
    const d: Record<string, unknown> = { $: { type: r.type }, checksum: { _: r.checksum, $: { type: r.checksumType } } };
    if (r.openChecksum) d['open-checksum'] = { _: r.openChecksum, $: { type: r.openChecksumType ?? r.checksumType } };
    d.location = { $: { href: r.href } };
    d.timestamp = String(r.timestamp);
    d.size = String(r.size);
    if (r.openSize !== undefined) d['open-size'] = String(r.openSize);
    return d;
  });
  const builder = new xml2js.Builder({
    xmldec: { version: '1.0', encoding: 'UTF-8' },
    renderOpts: { pretty: true, indent: '  ', newline: '\n' },
  });
  return builder.buildObject({
    repomd: { $: { xmlns: 'http://linux.duke.edu/metadata/repo', 'xmlns:rpm': 'http://linux.duke.edu/metadata/rpm' }, revision, data },
  }) + '\n';
}
