/**
 * The optional YAML config file of `airgap-mirror build --config FILE`:
 *
 * ```yaml
 * baseUrl: http://infra.server.lab:5443/   # absolute URL the site is served at
 * repos:                                  # replaces repo discovery when present
 *   - path: ubi9/baseos                   # relative to the mirror root
 *     id: ubi-9-baseos                    # dnf repo id (default: path with / → -)
 *     name: UBI 9 BaseOS                  # human name (default: the id)
 * settings: {...}                         # see generators/settings.ts
 * ```
 * Command-line options win over the file.
 */
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { UsageError } from '../errors/exit-codes.ts';
import type { RepoSpec } from './find-repos.ts';
import { resolveSettings, type Settings } from '../generators/settings.ts';

/** Parsed config: base URL, repos, and the settings block (defaults filled in). */
export interface BuildConfig { baseUrl?: string; repos: RepoSpec[]; settings: Settings }

/** Reads and checks a config file; throws UsageError naming the file and the bad field. */
export async function readBuildConfig(file: string): Promise<BuildConfig> {
  let doc: unknown;
  try {
    doc = YAML.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: cannot read the config file (${(err as Error).message})`);
  }
  const o = (doc ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new UsageError(`${file}: expected a mapping at the top level`);
  if (o.baseUrl !== undefined && typeof o.baseUrl !== 'string') throw new UsageError(`${file}: baseUrl must be a string`);
  const repos = (o.repos ?? []) as unknown[];
  if (!Array.isArray(repos)) throw new UsageError(`${file}: repos must be a list`);
  let settings: Settings;
  try {
    settings = resolveSettings(o.settings);
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  return {
    ...(typeof o.baseUrl === 'string' ? { baseUrl: o.baseUrl } : {}),
    settings,
    repos: repos.map((r, i) => {
      const x = r as Record<string, unknown>;
      if (!x || typeof x.path !== 'string') throw new UsageError(`${file}: repos[${i}].path must be a string`);
      return { path: x.path, ...(typeof x.id === 'string' ? { id: x.id } : {}), ...(typeof x.name === 'string' ? { name: x.name } : {}) };
    }),
  };
}

/** Parses one `--repo PATH[=ID]` value. */
export function parseRepoOption(value: string): RepoSpec {
  const eq = value.lastIndexOf('=');
  return eq > 0 ? { path: value.slice(0, eq), id: value.slice(eq + 1) } : { path: value };
}
