/**
 * The one catalogue of problems airgap-mirror reports. Each entry has a stable `code`, a
 * level (an `error` means the input was left out; a `warning` means it was used with a
 * caveat), a message built from its arguments and a hint saying what to do.
 */
export interface ProblemSpec<A extends unknown[]> {
  level: 'error' | 'warning';
  message: (...args: A) => string;
  hint: string;
}

const spec = <A extends unknown[]>(level: 'error' | 'warning', message: (...args: A) => string, hint: string): ProblemSpec<A> => ({ level, message, hint });

/** All problems, by stable code. */
export const PROBLEMS = {
  'rpm-empty': spec('error', () => 'zero-byte file, not an RPM package; skipped', 'Re-download the package; the mirror copy is empty.'),
  'rpm-truncated': spec('error', (detail: string) => `truncated RPM package (${detail}); skipped`, 'Re-download the package; the copy was cut short.'),
  'rpm-not-rpm': spec('error', (detail: string) => `not an RPM package (${detail}); skipped`, 'Remove the file or rename it; only real .rpm files belong in a repo.'),
  'rpm-name-not-xml': spec('error', () => 'the file name holds control characters XML cannot carry, so no repodata can point at it (createrepo_c refuses it too); skipped', 'Rename the file, e.g. to name-version-release.arch.rpm.'),
  'rpm-corrupt-header': spec('error', (detail: string) => `corrupt RPM header (${detail}); skipped`, 'Re-download the package.'),
  'deb-name-unsafe': spec('error', () => 'the file name holds control characters a Packages file cannot carry (a newline would end its Filename field and start another); skipped', 'Rename the file, e.g. to name_version_arch.deb.'),
  'deb-not-deb': spec('error', (detail: string) => `not a readable Debian package (${detail}); skipped`, 'Re-download the package; dpkg-deb --info shows the same problem.'),
  'dir-unreadable': spec('error', (code: string) => `cannot list the directory (${code}); any packages in it are skipped`, 'Give the user running airgap-mirror read and search permission on it (chmod a+rx), then build again.'),
  'file-unreadable': spec('error', (code: string) => `cannot read the file (${code}); skipped`, 'Check permissions of the mirror tree for the user running airgap-mirror.'),
  'symlink-loop': spec('error', () => 'symbolic link loop; skipped', 'Fix or remove the link in the mirror tree.'),
  'symlink-dangling': spec('error', () => 'symbolic link to a missing file; skipped', 'Fix or remove the link in the mirror tree.'),
  'symlink-dir-not-followed': spec('warning', () => 'symbolic link to a directory; not followed', 'Pass the target with --repo if it holds a repo.'),
  'rpm-digest-mismatch': spec('error', (what: string, kept: boolean) => `digest check failed (${what} does not match): the file is corrupted; ${kept ? 'kept and flagged (--keep-corrupt)' : 'left out of the repodata'}`, 'Re-download the package; rpm -K shows the same failure.'),
  'rpm-bad-signature': spec('error', (keyIds: string, kept: boolean) => `signature by key ${keyIds} does not verify against the mirrored key; ${kept ? 'kept and flagged (--keep-corrupt)' : 'left out of the repodata'}`, 'Re-download the package, or check that the mirrored key is the vendor\'s.'),
  'unknown-signing-keys': spec('warning', (count: number, ids: string) => `${count} packages are signed by keys that are not mirrored with this repo (${ids}); the .repo section uses gpgcheck=0`, 'Mirror the vendor\'s public key (*.pub, *.asc, RPM-GPG-KEY-*) into the repo directory.'),
  'key-file-unreadable': spec('warning', (reason: string) => `not an OpenPGP public key file (${reason}); ignored`, 'Replace it with the vendor\'s armored public key.'),
  'duplicate-nevra': spec('error', (nevra: string, kept: string, why: string) => `duplicate NEVRA ${nevra}: ${kept} is kept (${why}); skipped`, 'Keep one copy of each package per repo.'),
  'non-utf8-text': spec('warning', (tags: string) => `header text is not UTF-8 (${tags}); read as ISO-8859-1 like createrepo_c`, 'Nothing to do; rebuild the package with UTF-8 text to silence this.'),
  'html-in-text': spec('warning', (tags: string) => `package text contains HTML-like markup (${tags}); it is shown as text, never run`, 'Nothing to do.'),
  'upstream-metadata-bad': spec('error', (type: string, reason: string) => `upstream ${type} metadata not carried: ${reason}`, 'Re-download the repo\'s repodata/ from upstream.'),
  'upstream-metadata-unreadable': spec('warning', (type: string, why: string) => `upstream ${type} metadata cannot be read (${why}); served as it is, but the site shows none of its entries`, 'Re-download the repo\'s repodata/ from upstream; if upstream ships it so, tell the repo owner.'),
  'upstream-repomd-bad': spec('error', (reason: string) => `upstream repomd.xml unreadable (${reason}); extra metadata not carried`, 'Re-download the repo\'s repodata/ from upstream.'),
  'upstream-repodata-stale': spec('warning', (why: string, kept: boolean) => `upstream repodata was not reused as is: ${why}; ${kept ? 'kept anyway (--repodata keep)' : 'regenerated from the packages'}`, 'Re-download the repo together with its repodata/, or use --repodata regenerate.'),
  'repo-empty': spec('warning', () => 'repo has no usable packages; its repodata is empty', 'Check the mirror download for this repo.'),
  'input-outside-mirror': spec('error', (why: string) => `${why}; not published`, 'Copy the file itself into the mirror tree (or fix the link): only files inside the tree are published.'),
  'repo-id-collision': spec('warning', (id: string, other: string, used: string) => `repo id ${id} is already the id of ${other}; this repo gets the id ${used}`, 'Give each repo its own id with --repo PATH=ID or repos: in the config file.'),
  'path-collision': spec('error', (other: string) => `site page path collides with mirror path ${other} (case-insensitively); page not written`, 'Rename the mirror directory or move the repo with --repo PATH=ID.'),
  'sync-forbidden': spec('error', (status: number) => `HTTP ${status}: the server refused the request`, 'On the Red Hat CDN a 403 means a missing, expired or wrong entitlement (sslclientcert/sslclientkey) or a repo the subscription does not cover: refresh it (subscription-manager refresh, or the etc-pki-entitlement secret) and check the baseurl.'),
  'sync-not-found': spec('error', () => 'HTTP 404: not on the server', 'Check the baseurl; if upstream published new repodata meanwhile, run sync again.'),
  'sync-http-error': spec('error', (detail: string) => `${detail}, still failing after the retries`, 'The server is failing; run sync again later: finished files are kept, partial ones resume.'),
  'sync-network-error': spec('error', (detail: string) => `${detail}, still failing after the retries`, 'Check the network path and the proxy (HTTPS_PROXY, NO_PROXY); run sync again: finished files are kept, partial ones resume.'),
  'sync-timeout': spec('error', (detail: string) => `${detail}, still failing after the retries`, 'The server is too slow or stalled; run sync again, or raise sync.timeout (seconds) in the config.'),
  'sync-checksum-mismatch': spec('error', (detail: string) => `${detail}; the bytes were not kept`, 'Upstream or a proxy served other bytes than its index (repodata, Release or Packages) lists; run sync again, and tell the repo owner if it repeats.'),
  'sync-disk-error': spec('error', (detail: string) => `cannot write the file (${detail})`, 'Free space or fix permissions under the mirror directory, then run sync again.'),
  'sync-unsafe-location': spec('error', (why: string) => `${why}; not fetched`, 'Only when you trust this repo: set allowExternalLocations: true for it (paths that leave the repo are always refused).'),
  'sync-repomd-bad': spec('error', (reason: string) => `upstream repodata unusable (${reason}); repo not synced`, 'Check the baseurl points at a repo (it must hold repodata/repomd.xml), then run sync again.'),
  'sync-tls-file': spec('error', (reason: string) => `${reason}; repo not synced`, 'Point sslclientcert, sslclientkey and sslcacert at readable PEM files.'),
  'sync-lock-stale': spec('error', () => 'upstream repomd.xml changed since the lockfile was written; locked packages fetched, repodata left as it was', 'Review a new plan: sync --dry-run --lock FILE, then sync --from-lock FILE.'),
  'closure-missing': spec('error', (pools: string) => `in no configured repo (needed by node pool ${pools})`, 'Add the repo that carries it (rhocp-<ver> for kernels of RHCOS, the EUS repos for RHEL), or check the kernel of the pool; an old kernel pruned upstream cannot be fetched again.'),
  'closure-unresolved': spec('error', (dep: string, pools: string) => `requires ${dep}, which no configured repo provides (node pool ${pools})`, 'The repo of this package upstream (or one it expects beside it) should provide it: add that repo to sync.repos, or check include/exclude and module streams.'),
  'closure-unresolved-weak': spec('warning', (dep: string, pools: string) => `requires ${dep}, which no configured repo provides; only a weak dependency (Recommends, Supplements) brings this package, so dnf skips it (node pool ${pools})`, 'Nothing breaks; add the repo that provides it if you want the weak dependency installed too.'),
  'closure-bad-module': spec('error', (why: string) => why, 'Name a stream the upstream modules.yaml has, as module:stream (e.g. nvidia-driver:570-open).'),
  'closure-kernel-gone': spec('error', (pool: string, kernel: string) => `is a package of the kernel ${kernel} of node pool ${pool}, and neither upstream nor the mirror has it (Ubuntu removes old kernels' packages from -updates and -security as new ones arrive)`, 'Fetch that kernel\'s packages from an archive snapshot (snapshot.ubuntu.com: a source with [snapshot=YYYYMMDDTHHMMSSZ] from when the kernel was current) into a repo sync.repos lists, use a precompiled driver image for this kernel, or move the pool to a current kernel; once the mirror holds them, sync keeps them.'),
  'closure-gcc-unknown': spec('warning', (kernel: string) => `the DOCA build installs gcc-<major> of the kernel ${kernel}, and its major version is not known here`, 'Add the gcc package the kernel was built with (see /proc/version on a node, e.g. gcc-12) to sync.closure.packages.'),
  'closure-pool-no-repos': spec('warning', (type: string) => `no ${type === 'deb' ? 'apt (type: deb)' : 'RPM'} repo takes part in the closure, so nothing is taken for this node pool`, 'Add the repos its driver builds install from to sync.repos (Ubuntu pools: type: deb with the archive\'s suites), or ignore this if the pool is served otherwise.'),
  'closure-kept-local': spec('warning', (pool: string) => `no longer upstream but needed by node pool ${pool}: kept (not deleted)`, 'Keep this file: upstream pruned it and cannot give it again.'),
  'generator-failed': spec('error', (why: string) => `could not be made (${why}); its page shows this message in its place, everything else was built`, 'Fix the setting or kernel it names (settings: in the build config, or the node list), then build again.'),
  'sync-lock-lost': spec('error', (lock: string, why: string) => `the lock ${lock} was lost while this run held it (${why}); another run may have written this repo meanwhile`, 'Run sync again once no other sync of this mirror runs; it checks every file again.'),
  'sync-repo-signature': spec('error', (why: string) => `${why}; repo not synced, nothing of it written`, 'Check that gpgkey (RPM) or signedBy (apt) names the key upstream signs with (compare its fingerprint with the vendor\'s), and that nothing between you and upstream alters the repo; then run sync again.'),
  'sync-release-bad': spec('error', (reason: string) => `the apt repository cannot be used (${reason}); repo not synced, nothing of it written`, 'Check the URI and suite (the suite\'s directory must hold InRelease or Release), then run sync again; a stale or broken mirror upstream needs its owner.'),
  'sync-apt-trusted': spec('warning', () => 'trusted: true: the Release signature is not checked, so anyone between you and upstream can change what is synced', 'Give signedBy (the archive key) instead, as apt\'s Signed-By does.'),
  'sync-apt-index-absent': spec('warning', (arches: string) => `the Release does not list this index (its Architectures: ${arches}); skipped, as apt skips it`, 'Check components and architectures of this repo in the config.'),
  'apt-upstream-suite-refused': spec('warning', (why: string) => `upstream suite not served as upstream signed it: ${why}`, 'Its packages are still in the site\'s own index (suite stable, signed by the site key); run sync again to take the suite whole, or ignore this for a subset.'),
  'sync-upstream-key': spec('error', (why: string) => `${why}; repo not synced`, 'Point gpgkey at the vendor\'s key (a URL or a file); after a planned key change, write a new lockfile with sync --lock.'),
  'sync-package-signature': spec('error', (why: string) => `${why}; not kept`, 'dnf on the nodes would refuse it too (gpgcheck=1): check the upstream repo and its gpgkey, then run sync again.'),
  'sync-busy': spec('error', (lock: string) => `another sync holds ${lock}; repo not synced`, 'Wait for the other sync to finish (a lock left by a killed run is taken over at once on the same host, after 10 seconds from another).'),
} as const;

/** A stable problem code. */
export type ProblemCode = keyof typeof PROBLEMS;

/** The problems that leave a `.deb` file of an apt repo out of the site (its name, or its contents). */
export const DEB_LEFT_OUT: ReadonlySet<string> = new Set<ProblemCode>(['deb-name-unsafe', 'deb-not-deb']);

/** One reported problem, naming the file (path relative to the mirror where possible). */
export interface Diagnostic {
  code: ProblemCode;
  level: 'error' | 'warning';
  file: string;
  message: string;
  hint: string;
}

/** Collects diagnostics for one run; `report` also prints each as one line as it happens. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  private readonly sink: ((d: Diagnostic) => void) | undefined;

  constructor(sink?: (d: Diagnostic) => void) {
    this.sink = sink;
  }

  /** Records a problem about `file`. */
  report<C extends ProblemCode>(code: C, file: string, ...args: Parameters<(typeof PROBLEMS)[C]['message']>): Diagnostic {
    const p = PROBLEMS[code] as ProblemSpec<unknown[]>;
    const d: Diagnostic = { code, level: p.level, file, message: p.message(...args), hint: p.hint };
    this.list.push(d);
    this.sink?.(d);
    return d;
  }

  get errors(): Diagnostic[] {
    return this.list.filter((d) => d.level === 'error');
  }

  get warnings(): Diagnostic[] {
    return this.list.filter((d) => d.level === 'warning');
  }
}

/**
 * `text` safe for a terminal: C0 and C1 control characters and DEL (escape sequences that
 * could retitle or recolour the terminal, newlines that could forge a line) as `\xNN`,
 * a backslash as `\\` so the escaping cannot be faked.
 */
export const terminalSafe = (text: string) =>
  text.replace(/[\\\x00-\x1f\x7f-\x9f]/g, (c) => (c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));

/** One line for a terminal or log: `error: <file>: <message> [code]`, with the hint after ` — ` when asked; controls escaped. */
export function formatDiagnostic(d: Diagnostic, withHint = false): string {
  return terminalSafe(`${d.level}: ${d.file}: ${d.message} [${d.code}]${withHint ? ` — ${d.hint}` : ''}`);
}
