/** Reads the YAML config file through its schema, with one friendly message per problem. */
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../errors/exit-codes.ts';
import { ConfigFileSchema, type ConfigFile } from './config-schema.ts';

/**
 * Turns a schema failure into lines naming the key path and what is expected, e.g.
 * `cfg.yaml: sync.repos[0].baseurl: expected an http://, https:// or file:// URL`.
 * `where` is the file name; `prefix` the key path of the value checked (e.g. `settings`).
 */
export function describeSchemaError(where: string, error: z.ZodError, prefix = ''): string {
  return error.issues.map((issue) => {
    const path = [...(prefix ? [prefix] : []), ...issue.path].reduce<string>((acc, key) =>
      typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key), '');
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return `${where}: ${path || '(top level)'}: ${issue.message}${keys}`;
  }).join('\n');
}

/** Parses a value with `schema`; throws UsageError with every problem named (see describeSchemaError). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string, prefix = ''): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(describeSchemaError(where, r.error, prefix));
  return r.data;
}

/** Reads and validates `file`. Throws UsageError naming the file (unreadable, not YAML, or off-schema). */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  let doc: unknown;
  try {
    doc = YAML.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: cannot read the config file (${(err as Error).message})`);
  }
  return parseWith(ConfigFileSchema, doc ?? {}, file);
}
