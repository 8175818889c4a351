/**
 * `sync --repo-file FILE`: the repos of a `.repo` file (read as dnf does, see
 * generators/repo-file-parser.ts) become sync repos: section id → `id` and the default
 * `path`, the first `baseurl` URL, `sslclientcert`/`sslclientkey`/`sslcacert`/`sslverify`,
 * `repo_gpgcheck`, `gpgcheck` and `gpgkey` (sync checks the signatures as dnf would: upstream-trust.ts)
 * as they are. `$basearch`, `$releasever` and other dnf variables are replaced from `vars`
 * (`--var NAME=VALUE`); disabled sections (`enabled=0`) are left out.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors/exit-codes.ts';
import { parseRepoFile } from '../generators/repo-file-parser.ts';
import { parseWith } from '../config/read-config.ts';
import { SyncRepoSchema, type SyncRepo } from '../config/config-schema.ts';

const FALSE = /^(0|no|false|off)$/i;

/** Replaces `$name` and `${name}` from `vars`; throws naming the first variable left unset. */
function expand(value: string, vars: Record<string, string>, where: string): string {
  return value.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!;
    if (vars[name] === undefined) throw new UsageError(`${where}: $${name} is not set; pass --var ${name}=VALUE`);
    return vars[name]!;
  });
}

/** Reads `file` into sync repos. Throws UsageError naming the file, the section and what is wrong. */
export async function importRepoFile(file: string, vars: Record<string, string>): Promise<SyncRepo[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read the .repo file (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const out: SyncRepo[] = [];
  for (const s of parseRepoFile(text)) {
    const where = `${file}:${s.line} [${s.id}]`;
    const o = s.options;
    if (o.enabled !== undefined && FALSE.test(o.enabled)) continue;
    const baseurl = (o.baseurl ?? '').split(/[\s,]+/).find(Boolean);
    if (!baseurl) {
      const other = o.mirrorlist ? 'mirrorlist' : o.metalink ? 'metalink' : undefined;
      const why = other ? ` (${other} is not supported: give the repo's baseurl)` : '';
      throw new UsageError(`${where}: no baseurl${why}`);
    }
    const raw: Record<string, unknown> = { id: s.id, baseurl: expand(baseurl, vars, where) };
    if (o.name) raw.name = expand(o.name, vars, where);
    for (const k of ['sslclientcert', 'sslclientkey', 'sslcacert'] as const) {
      if (o[k]) raw[k] = expand(o[k], vars, where);
    }
    if (o.sslverify !== undefined) raw.sslverify = !FALSE.test(o.sslverify);
    for (const [k, to] of [['repo_gpgcheck', 'repoGpgcheck'], ['gpgcheck', 'gpgcheck']] as const) {
      if (o[k] !== undefined) raw[to] = !FALSE.test(o[k]);
    }
    // gpgkey: URLs separated by spaces, commas or continuation lines (dnf.conf(5))
    if (o.gpgkey) raw.gpgkey = o.gpgkey.split(/[\s,]+/).filter(Boolean).map((u) => expand(u, vars, where));
    out.push(parseWith(SyncRepoSchema, raw, where));
  }
  return out;
}
