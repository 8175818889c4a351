/**
 * `sync --sources-file FILE`: the `deb` entries of apt source files (one-line `.list` or deb822
 * `.sources`, read by the deb format's parser) become sync repos of `type: deb`. Entries with the
 * same URI are one repo (one `pool/` on the server): their suites, components, architectures and
 * Signed-By keys are joined. The id and default path are the URI's host and path
 * (`archive.ubuntu.com/ubuntu` → id `archive.ubuntu.com-ubuntu`, the layout apt-mirror leaves).
 * A Signed-By path that is relative is read relative to the sources file. `snapshot=` and
 * `check-valid-until=no` carry over; one URI listed with different ones is refused.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../errors/exit-codes.ts';
import { parseSourcesFile, type AptSource } from '../formats/format.ts';
import { parseWith } from '../config/read-config.ts';
import { SyncRepoSchema, type SyncRepo } from '../config/config-schema.ts';

/** The mirror path of a URI: host and path, no scheme, no credentials (`archive.ubuntu.com/ubuntu`). */
function pathOf(uri: string): string {
  const u = new URL(uri);
  const path = decodeURIComponent(u.pathname).split('/').filter((s) => s && s !== '.' && s !== '..');
  return [u.host.replace(/:/g, '_') || 'local', ...path].join('/');
}

const union = (a: string[] | undefined, b: string[] | undefined) =>
  (a || b ? [...new Set([...(a ?? []), ...(b ?? [])])] : undefined);

/** `{ [key]: value }`, or nothing when `value` is undefined. */
const optional = <K extends string>(key: K, value: string[] | undefined) => (value ? { [key]: value } : {});

/** Reads `file` into sync repos. Throws UsageError naming the file (and line) and what is wrong. */
export async function importSourcesFile(file: string): Promise<SyncRepo[]> {
  let sources: AptSource[];
  try {
    sources = parseSourcesFile(await readFile(file, 'utf8'), file);
  } catch (err) {
    throw new UsageError(`--sources-file ${(err as Error).message}`);
  }
  const byUri = new Map<string, AptSource & { uri: string }>();
  for (const s of sources) {
    const keys = s.signedBy?.map((k) => (k.includes('BEGIN PGP') || isAbsolute(k) || /^[a-z]+:\/\//.test(k) ? k
      : resolve(dirname(file), k)));
    for (const uri of s.uris) {
      const had = byUri.get(uri);
      if (had && (had.snapshot !== s.snapshot || had.checkValidUntil !== s.checkValidUntil)) {
        throw new UsageError(`--sources-file ${s.where}: ${uri} is listed at ${had.where} with other snapshot or `
          + 'check-valid-until options: give each snapshot of one archive as its own repo (sync.repos with a path)');
      }
      byUri.set(uri, had ? {
        ...had, suites: union(had.suites, s.suites)!, components: union(had.components, s.components)!,
        ...optional('architectures', union(had.architectures, s.architectures)),
        ...optional('signedBy', union(had.signedBy, keys)),
        trusted: !!had.trusted && !!s.trusted,
      } : { ...s, uri, ...(keys ? { signedBy: keys } : {}) });
    }
  }
  return [...byUri.values()].map((s) => {
    const path = pathOf(s.uri);
    return parseWith(SyncRepoSchema, {
      id: path.replace(/[^A-Za-z0-9_.:-]+/g, '-'), type: 'deb', baseurl: s.uri, path, suites: s.suites,
      ...(s.components.length ? { components: s.components } : {}),
      ...(s.architectures ? { architectures: s.architectures } : {}),
      ...(s.signedBy ? { signedBy: s.signedBy } : {}), ...(s.trusted ? { trusted: true } : {}),
      ...(s.snapshot ? { snapshot: s.snapshot } : {}),
      ...(s.checkValidUntil === false ? { checkValidUntil: false } : {}),
    }, `${file} (${s.where})`);
  });
}
