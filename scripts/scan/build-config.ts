/**
 * The config file of `airgap-mirror build --config FILE` as build uses it: `baseUrl`,
 * `repos` (replace discovery when present) and `settings` (defaults filled in). The file's
 * schema, the `sync:` block included, is `scripts/config/config-schema.ts`.
 * Command-line options win over the file.
 */
import type { RepoSpec } from './find-repos.ts';
import { resolveSettings, type Settings } from '../generators/settings.ts';
import { parseWith, readConfigFile } from '../config/read-config.ts';
import { RepoIdSchema, type SyncConfig } from '../config/config-schema.ts';

/** Parsed config: base URL, repos, the settings block (defaults filled in), the sync block if any. */
export interface BuildConfig { baseUrl?: string; repos: RepoSpec[]; settings: Settings; sync?: SyncConfig }

/** Reads and checks a config file; throws UsageError naming the file, the key path and what is expected. */
export async function readBuildConfig(file: string): Promise<BuildConfig> {
  const c = await readConfigFile(file);
  return {
    ...(c.baseUrl !== undefined ? { baseUrl: c.baseUrl } : {}),
    repos: c.repos,
    settings: resolveSettings(c.settings, file),
    ...(c.sync ? { sync: c.sync } : {}),
  };
}

/** Parses one `--repo PATH[=ID]` value. */
export function parseRepoOption(value: string): RepoSpec {
  const eq = value.lastIndexOf('=');
  if (eq <= 0) return { path: value };
  return { path: value.slice(0, eq), id: parseWith(RepoIdSchema, value.slice(eq + 1), `--repo ${value}`, 'id') };
}
