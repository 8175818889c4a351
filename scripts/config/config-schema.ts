/**
 * The one schema of the airgap-mirror config file (YAML): `baseUrl` and `repos` for `build`,
 * `settings` for the runbooks and generators, `sync` for fetching the mirror from upstream.
 * Every mapping is strict, so a misspelt key (`baseurl:` for `baseUrl:`) is an error naming
 * it. Types are derived from the schema (zod), never written twice.
 *
 * ```yaml
 * baseUrl: http://infra.server.lab:5443/
 * repos: [{ path: ubi9/baseos, id: ubi-9-baseos, name: UBI 9 BaseOS }]
 * settings: { openshiftVersion: "4.18", doca: { version: 25.07-0.9.7.0 } }
 * sync:
 *   jobs: 8
 *   repos:
 *     - id: ubi-9-baseos
 *       baseurl: https://cdn-ubi.redhat.com/content/public/ubi/dist/ubi9/9/aarch64/baseos/os/
 *       path: ubi9/baseos
 *       newest: 1
 *       exclude: ["*-debuginfo"]
 *   closure:                     # take only what the node pools' driver builds need
 *     profiles: [dtk]
 *     kernels: [5.14.0-427.87.1.el9_4.x86_64]   # or --nodes nodes.json; Ubuntu: 5.15.0-91-generic[:arm64]
 * ```
 */
import { unsafeRelativePath } from '../inside-root.ts';
import { z } from 'zod';
import { PROFILE_NAMES } from '../closure/profiles.ts';

/** A string, or a number YAML read from an unquoted value such as `4.18` (kept as its text). */
const text = z.union([z.string(), z.number()]).transform(String);

/** How images from a source registry are pulled: by digest (IDMS), by tag (ITMS) or both. */
export const PullKindSchema = z.enum(['digest', 'tag', 'both']);

/** One source → mirror registry mapping of `settings.imageMirrors`. */
export const ImageMirrorSchema = z.strictObject({
  source: text, mirror: text, pull: PullKindSchema.default('both'),
});

/** The raw `settings:` block; every field optional (defaults in generators/settings.ts). */
export const SettingsInputSchema = z.strictObject({
  openshiftVersion: text.optional(),
  registry: text.optional(),
  networkOperatorNamespace: text.optional(),
  gpuOperatorNamespace: text.optional(),
  doca: z.strictObject({ version: text.optional(), image: text.optional(), forcePrecompiled: z.boolean().optional() })
    .optional(),
  gpu: z.strictObject({ driverVersion: text.optional(), image: text.optional() }).optional(),
  imageMirrors: z.array(ImageMirrorSchema).optional(),
});

/**
 * A repo id: dnf's characters (dnf.conf(5): `[A-Za-z0-9_.:-]`), and never `.` or `..`, since an
 * id is also a repo's default path in the mirror and a name in the site's page paths.
 */
export const RepoIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'expected a dnf repo id ([A-Za-z0-9_.:-])')
  .refine((id) => id !== '.' && id !== '..', 'a repo id cannot be . or .. (an id is also a path in the mirror and the site)');

/** Path of a repo inside the mirror tree: relative, '/'-separated, no `..`, `.` or empty segment (inside-root.ts); '' the root. */
export const MirrorPathSchema = z.string().refine((p) => p === '' || !unsafeRelativePath(p), {
  message: 'expected a relative path inside the mirror (no leading /, no . or .. segments)',
});
const mirrorPath = MirrorPathSchema;

/** One entry of `repos:` for build: path relative to the mirror, dnf repo id, human name. */
export const RepoSpecSchema = z.strictObject({
  path: z.string(), id: RepoIdSchema.optional(), name: z.string().optional(),
});

const upstreamUrl = z.string().regex(/^(https?|file):\/\//, 'expected an http://, https:// or file:// URL');

/** Fields only an RPM repo takes (a deb repo naming one is an error rather than silently unused). */
const RPM_ONLY = ['newest', 'include', 'exclude', 'arch', 'gpgkey', 'repoGpgcheck', 'gpgcheck'] as const;

/**
 * One upstream repo of `sync.repos`. TLS keys use the names of a `.repo` file (dnf.conf(5)):
 * `sslclientcert`/`sslclientkey` are the Red Hat CDN entitlement pair
 * (`/etc/pki/entitlement/<serial>.pem`, `<serial>-key.pem`), `sslcacert` its CA
 * (`/etc/rhsm/ca/redhat-uep.pem`). Selection: every package by default; `newest` keeps the N
 * highest EVRs per name and arch (dnf reposync `--newest-only` is N=1); `include`/`exclude`
 * are globs over the package name (or `name-version-release.arch`); `arch` limits the
 * architectures (`src` counts as one); `source: false` drops source RPMs. `type: deb` is an apt
 * repository, given as apt's deb822 fields are (`uris`, `suites`, `components`, `architectures`,
 * `signedBy`), every package of its indices taken, or its part of the closure.
 */
const SyncRepoObject = z.strictObject({
  id: RepoIdSchema,
  /** `rpm` (rpm-md, dnf) or `deb` (an apt repository, described as in a deb822 `.sources` file). */
  type: z.enum(['rpm', 'deb']).default('rpm'),
  /** The repo's URL; for `type: deb` the URI (`uris` is read into it, one repo per URI). */
  baseurl: upstreamUrl,
  path: mirrorPath.optional(),
  name: z.string().optional(),
  sslclientcert: z.string().optional(),
  sslclientkey: z.string().optional(),
  sslcacert: z.string().optional(),
  sslverify: z.boolean().default(true),
  newest: z.number().int().positive().optional(),
  include: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  arch: z.array(z.string()).optional(),
  source: z.boolean().default(true),
  /** Take packages whose location leaves the repo path or names another host (refused by default). */
  allowExternalLocations: z.boolean().default(false),
  /** Take part in the dependency closure (default: yes when `sync.closure` is given); `false` mirrors it as selected. */
  closure: z.boolean().optional(),
  /** Root packages looked for in this repo only (names, globs or NEVRAs); needs the closure. */
  packages: z.array(z.string()).optional(),
  /** Check `repodata/repomd.xml.asc` against `gpgkey` before using the repo (dnf's `repo_gpgcheck=1`). */
  repoGpgcheck: z.boolean().optional(),
  /** Check each package's signature against `gpgkey` before keeping it (dnf's `gpgcheck=1`). */
  gpgcheck: z.boolean().optional(),
  /** The repo's keys: http(s)/file URLs (fetched with the repo's TLS settings) or file paths. */
  gpgkey: z.array(z.string()).optional(),
  /** deb: apt's URIs (each becomes its own repo, ids and paths suffixed -1, -2 when there are several). */
  uris: z.array(upstreamUrl).optional(),
  /** deb: suites (`jammy`, `jammy-updates`), or one flat directory ending in `/` (`./`). */
  suites: z.array(z.string().min(1)).optional(),
  /** deb: components (`main`, `universe`); none for a flat repository. */
  components: z.array(z.string().regex(/^[A-Za-z0-9_.+-]+(\/[A-Za-z0-9_.+-]+)*$/, 'expected a component name'))
    .optional(),
  /** deb: dpkg architectures of the indices to read (default amd64; `all` packages come with each). */
  architectures: z.array(z.string().regex(/^[a-z0-9-]+$/, 'expected a dpkg architecture')).optional(),
  /** deb: the keys InRelease must be signed by: key files (binary or armored), URLs, or an armored key inline. */
  signedBy: z.array(z.string()).optional(),
  /** deb: skip the Release signature check (apt's `trusted=yes`; a warning each run). */
  trusted: z.boolean().optional(),
  /** deb: read the archive as it was at this snapshot (apt's `snapshot=20231115T000000Z`; see snapshot-server.ts). */
  snapshot: z.string().regex(/^[A-Za-z0-9:._+-]+$/, 'expected a snapshot id such as 20231115T000000Z').optional(),
  /** deb: refuse a Release past its Valid-Until (default; apt's `check-valid-until=no` is false). */
  checkValidUntil: z.boolean().optional(),
});

/** Checks the fields of a deb repo (suites, components, keys) and refuses RPM-only ones. */
function checkDebRepo(r: z.infer<typeof SyncRepoObject>, ctx: z.RefinementCtx): void {
  if (r.type !== 'deb') {
    for (const k of ['uris', 'suites', 'components', 'architectures', 'signedBy', 'trusted', 'snapshot',
      'checkValidUntil'] as const) {
      if (r[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `${k} is for type: deb repos only` });
    }
    return;
  }
  for (const k of RPM_ONLY) {
    if (r[k] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [k], message: `${k} is for RPM repos; not taken by type: deb` });
    }
  }
  if (!r.suites?.length) {
    ctx.addIssue({ code: 'custom', path: ['suites'], message: 'a deb repo needs suites (e.g. [jammy, jammy-updates])' });
  }
  for (const s of r.suites ?? []) {
    if (unsafeRelativePath(s.replace(/\/$/, '') || '.') && s !== './') {
      ctx.addIssue({ code: 'custom', path: ['suites'], message: `suite ${s} is not a path inside the archive` });
    }
    const flat = s.endsWith('/');
    if (flat && r.components?.length) {
      ctx.addIssue({ code: 'custom', path: ['components'], message: `the flat suite ${s} takes no components` });
    }
    if (!flat && !r.components?.length) {
      ctx.addIssue({ code: 'custom', path: ['components'],
        message: `suite ${s} needs components (e.g. [main, universe])` });
    }
  }
  if (!r.signedBy?.length && !r.trusted) {
    ctx.addIssue({ code: 'custom', path: ['signedBy'], message: 'a deb repo needs signedBy (the archive key, e.g. '
      + '/usr/share/keyrings/ubuntu-archive-keyring.gpg), or trusted: true to skip the check as apt\'s trusted=yes '
      + 'does' });
  }
}

/** A deb repo entry with `uris`: one entry per URI, `baseurl` set to it. */
function splitUris(raw: unknown): unknown {
  const r = raw as Record<string, unknown> | undefined;
  if (r?.type !== 'deb' || !Array.isArray(r.uris) || r.baseurl !== undefined) return raw;
  if (r.uris.length <= 1) return { ...r, baseurl: r.uris[0] };
  return r.uris.map((u, i) => ({ ...r, uris: [u], baseurl: u, id: `${String(r.id)}-${i + 1}`,
    ...(typeof r.path === 'string' ? { path: `${r.path}/${i + 1}` } : {}) }));
}

export const SyncRepoSchema = SyncRepoObject.superRefine(checkDebRepo);

/**
 * `sync.closure`: take from the repos that take part only the dependency closure of root
 * packages: the `profiles` (pinned to each node pool's kernel, from `--nodes` or `kernels`)
 * and `packages` (names, globs or NEVRAs), resolved across all those repos as dnf would, with
 * only the given module streams (`module:stream`; other modules keep their default stream).
 * `weakDeps` overrides the profiles' choice; `newest` versions of each provider are taken.
 * A `kernels` entry is an RHCOS/RHEL kernel (`5.14.0-427.87.1.el9_4.x86_64`, its arch in it) or
 * an Ubuntu one (`5.15.0-91-generic`, amd64, or `…:arm64`: closure/apt-profiles.ts ubuntuKernelEntry).
 */
export const ClosureSchema = z.strictObject({
  profiles: z.array(z.enum(PROFILE_NAMES as [string, ...string[]])).default([]),
  kernels: z.array(z.string()).default([]),
  packages: z.array(z.string()).default([]),
  modules: z.array(z.string().regex(/^[^:\s]+:[^:\s]+$/, 'expected module:stream')).default([]),
  weakDeps: z.boolean().optional(),
  newest: z.number().int().positive().default(1),
});

/** The `sync:` block: transfer settings and the upstream repos. */
export const SyncSchema = z.strictObject({
  jobs: z.number().int().positive().default(8),
  /** Connections per upstream host (dnf's default max_parallel_downloads is 3). */
  perHost: z.number().int().positive().default(8),
  /** Seconds without response headers or body bytes before a request is retried. */
  timeout: z.number().positive().default(30),
  /** Attempts per file after the first. */
  retries: z.number().int().nonnegative().default(4),
  repos: z.preprocess((v) => (Array.isArray(v) ? v.flatMap(splitUris) : v), z.array(SyncRepoSchema)).default([]),
  closure: ClosureSchema.optional(),
});

/** The whole config file. */
export const ConfigFileSchema = z.strictObject({
  baseUrl: z.string().optional(),
  repos: z.array(RepoSpecSchema).default([]),
  settings: SettingsInputSchema.optional(),
  sync: SyncSchema.optional(),
});

/** A parsed config file (before settings defaults are filled in). */
export type ConfigFile = z.infer<typeof ConfigFileSchema>;
/** The raw settings block. */
export type SettingsInput = z.infer<typeof SettingsInputSchema>;
/** One upstream repo of `sync.repos`, defaults filled in. */
export type SyncRepo = z.infer<typeof SyncRepoSchema>;
/** The `sync.closure:` block, defaults filled in. */
export type ClosureConfig = z.infer<typeof ClosureSchema>;
/** The `sync:` block, defaults filled in. */
export type SyncConfig = z.infer<typeof SyncSchema>;
