/**
 * The sync lockfile (`sync --lock FILE`, replayed by `sync --from-lock FILE`): every file
 * a run takes, per repo, with its URL, size and checksum, so a reviewed plan is fetched
 * exactly, nothing more, on another day or host. JSON, sorted, one schema.
 */
import { readFile } from 'node:fs/promises';
import { replaceFile } from '../replace-file.ts';
import { z } from 'zod';
import { UsageError } from '../errors/exit-codes.ts';
import { parseWith } from '../config/read-config.ts';
import { MirrorPathSchema, RepoIdSchema } from '../config/config-schema.ts';

const LockedFileSchema = z.strictObject({
  /** '/'-separated path inside the repo. */
  location: z.string(),
  url: z.string(),
  /** Bytes. */
  size: z.number().int().nonnegative(),
  checksumType: z.string(),
  checksum: z.string(),
  /** `name-[epoch:]version-release.arch` (apt: `name_version_arch`). */
  nevra: z.string(),
});

const LockedRepoSchema = z.strictObject({
  id: RepoIdSchema,
  /** `deb` for an apt repo (its suites come from the config's repo of the same id); absent: rpm. */
  type: z.literal('deb').optional(),
  baseurl: z.string(),
  path: MirrorPathSchema,
  /** sha256 of the upstream repomd.xml (apt: of the suites' Release files) the plan was made from. */
  repomdSha256: z.string(),
  subset: z.boolean(),
  reasons: z.array(z.string()),
  packages: z.array(LockedFileSchema),
  /** The keys the repo's signatures were checked with (repo_gpgcheck, gpgcheck): a replay refuses any other. */
  keys: z.array(z.strictObject({ source: z.string(), fingerprint: z.string() })).optional(),
});

const LockSchema = z.strictObject({
  format: z.literal('airgap-mirror-sync-lock/1'),
  /** ISO 8601 time the plan was made. */
  created: z.string(),
  repos: z.array(LockedRepoSchema),
});

/** One repo of a lockfile. */
export type LockedRepo = z.infer<typeof LockedRepoSchema>;
/** One package of a lockfile. */
export type LockedFile = z.infer<typeof LockedFileSchema>;

/** Writes the lockfile atomically, repos and packages sorted. */
export async function writeLockfile(file: string, repos: LockedRepo[]): Promise<void> {
  const sorted = [...repos].sort((a, b) => a.id.localeCompare(b.id)).map((r) => ({
    ...r, packages: [...r.packages].sort((a, b) => a.location.localeCompare(b.location)),
  }));
  const doc = { format: 'airgap-mirror-sync-lock/1', created: new Date().toISOString(), repos: sorted };
  await replaceFile(file, JSON.stringify(doc, null, 1) + '\n');
}

/** Reads and checks a lockfile; throws UsageError naming the file and the bad key. */
export async function readLockfile(file: string): Promise<LockedRepo[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: cannot read the lockfile (${(err as Error).message})`);
  }
  return parseWith(LockSchema, doc, file).repos;
}
