/**
 * Where apt reads an archive as it was at a snapshot (sources.list(5) `snapshot=ID`, deb822
 * `Snapshot: ID`; apt 3.1 apt-pkg/deb/debmetaindex.cc CreateItemInternal and SnapshotServer,
 * defaults in apt-pkg/init.cc). The server is a URL template holding `@SNAPSHOTID@` (and
 * `@PATH@`, the source URI's path without its outer slashes), taken in apt's order:
 * 1. a default that overrides the Release by its Label (Debian-Security's own snapshot archive);
 * 2. the `Snapshots:` field of the archive's current Release;
 * 3. a default by the Release's Origin (Debian, Ubuntu);
 * 4. failing those (or with no Release to read), a default by the URI's host or a parent domain of it
 *    (`archive.ubuntu.com`, `.archive.ubuntu.com`, `security.ubuntu.com`, `deb.debian.org`, PPAs).
 * A Release with neither Label nor Origin gives no server of its own (steps 1 to 3 are skipped).
 */

/** apt's `Acquire::Snapshots::URI::Override::Label::*` defaults. */
const BY_LABEL_OVERRIDE: Record<string, string> = {
  'Debian-Security': 'https://snapshot.debian.org/archive/debian-security/@SNAPSHOTID@/',
};

/** apt's `Acquire::Snapshots::URI::Origin::*` defaults. */
const BY_ORIGIN: Record<string, string> = {
  Debian: 'https://snapshot.debian.org/archive/debian/@SNAPSHOTID@/',
  Ubuntu: 'https://snapshot.ubuntu.com/ubuntu/@SNAPSHOTID@/',
};

/** apt's `Acquire::Snapshots::URI::Host::*` defaults (a leading dot matches any subdomain). */
const BY_HOST: Record<string, string> = {
  'archive.ubuntu.com': 'https://snapshot.ubuntu.com/@PATH@/@SNAPSHOTID@/',
  '.archive.ubuntu.com': 'https://snapshot.ubuntu.com/@PATH@/@SNAPSHOTID@/',
  'security.ubuntu.com': 'https://snapshot.ubuntu.com/@PATH@/@SNAPSHOTID@/',
  'deb.debian.org': 'https://snapshot.debian.org/archive/@PATH@/@SNAPSHOTID@/',
  'ppa.launchpadcontent.net': 'https://snapshot.ppa.launchpadcontent.net/@PATH@/@SNAPSHOTID@/',
  'ppa.launchpad.net': 'https://snapshot.ppa.launchpadcontent.net/@PATH@/@SNAPSHOTID@/',
};

/** The host, then each parent domain with its leading dot (`a.b.c`, `.b.c`, `.c`), as apt tries them. */
function hostLevels(host: string): string[] {
  const out = [host];
  for (let dot = host.indexOf('.', 1); dot > 0; dot = host.indexOf('.', dot + 1)) out.push(host.slice(dot));
  return out;
}

/**
 * The URL of the archive at `uri` as it was at snapshot `id`, from the fields of its current
 * Release (`release`: Label, Origin, Snapshots; undefined when it could not be read) or, failing
 * that, from the URI's host; undefined when apt would say "Snapshots not supported" for it.
 */
export function snapshotUrl(uri: string, id: string, release?: Record<string, string>): string | undefined {
  const label = release?.Label, origin = release?.Origin;
  let server = label || origin
    ? (label && BY_LABEL_OVERRIDE[label]) || release?.Snapshots || (origin && BY_ORIGIN[origin]) || undefined
    : undefined;
  const u = new URL(uri);
  server ??= hostLevels(u.hostname).map((h) => BY_HOST[h]).find(Boolean);
  if (!server || server === 'no') return undefined;
  const path = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
  return server.replaceAll('@SNAPSHOTID@', id).replaceAll('@PATH@', path);
}
