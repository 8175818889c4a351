/** Reads the YAML config file through its schema, with one friendly message per problem. */
import { readFile, stat } from 'node:fs/promises';
import YAML from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../errors/exit-codes.ts';
import { ConfigFileSchema, SettingsInputSchema, type ConfigFile } from './config-schema.ts';

const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;

/**
 * The object keys the schema allows at `path` (array indexes pass into the element), through
 * optionals, defaults and preprocessing.
 */
function keysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  let def = defOf(schema);
  for (let i = 0; ; ) {
    if (def.innerType) def = defOf(def.innerType as z.ZodType);
    // z.preprocess is a pipe from a transform into the schema: the keys are the schema's
    else if (def.in && defOf(def.in as z.ZodType).type === 'transform') def = defOf(def.out as z.ZodType);
    else if (def.in) def = defOf(def.in as z.ZodType);
    else if (i === path.length) break;
    else if (def.type === 'array') { def = defOf(def.element as z.ZodType); i++; }
    else if (def.type === 'object') {
      const next = (def.shape as Record<string, z.ZodType>)[String(path[i])];
      if (!next) return [];
      def = defOf(next);
      i++;
    } else return [];
  }
  return def.type === 'object' ? Object.keys(def.shape as object) : [];
}

/** Edit distance of two short strings (for did-you-mean). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known key a misspelt `key` most likely meant (same letters in another case, or two edits away). */
function didYouMean(key: string, known: string[]): string | undefined {
  const same = [...known].find((k) => k.toLowerCase() === key.toLowerCase());
  if (same) return same;
  const [best] = [...known].map((k) => [k, distance(k, key)] as const).filter(([, d]) => d <= 2).sort((a, b) => a[1] - b[1]);
  return best?.[0];
}

/**
 * Turns a schema failure into lines naming the key path and what is expected, e.g.
 * `cfg.yaml: sync.repos[0].baseurl: expected an http://, https:// or file:// URL`; an
 * unknown key gets a did-you-mean from the config schema's keys.
 * `where` is the file name; `prefix` the key path of the value checked (e.g. `settings`).
 */
export function describeSchemaError(where: string, error: z.ZodError, prefix = ''): string {
  return error.issues.map((issue) => {
    const known = prefix === 'settings' ? keysAt(SettingsInputSchema, issue.path) : keysAt(ConfigFileSchema, issue.path);
    const path = [...(prefix ? [prefix] : []), ...issue.path].reduce<string>((acc, key) =>
      typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key), '');
    const hints = issue.code === 'unrecognized_keys'
      ? issue.keys.map((k) => didYouMean(k, known)).map((m, i) => (m ? `${issue.keys[i]}: did you mean ${m}?` : '')).filter(Boolean)
      : [];
    return `${where}: ${path || '(top level)'}: ${issue.message}${hints.length ? ` (${hints.join('; ')})` : ''}`;
  }).join('\n');
}

/** Parses a value with `schema`; throws UsageError with every problem named (see describeSchemaError). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string, prefix = ''): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(describeSchemaError(where, r.error, prefix));
  return r.data;
}

/** Largest config file read (bytes): real ones are a few KiB. */
const MAX_CONFIG_BYTES = 1 << 20;

/** Reads and validates `file`. Throws UsageError naming the file (unreadable, not YAML, or off-schema). */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  let doc: unknown;
  try {
    const size = (await stat(file)).size;
    if (size > MAX_CONFIG_BYTES) throw new Error(`${size} bytes; a config file is at most 1 MiB`);
    // yaml's alias cap keeps an alias bomb from expanding into gigabytes
    doc = YAML.parse(await readFile(file, 'utf8'), { maxAliasCount: 100 });
  } catch (err) {
    throw new UsageError(`${file}: cannot read the config file (${(err as Error).message})`);
  }
  return parseWith(ConfigFileSchema, doc ?? {}, file);
}
