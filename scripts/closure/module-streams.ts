/**
 * Module streams for a closure, with dnf's modular filtering (libdnf `ModulePackageContainer`):
 * a package listed in a modulemd stream's `artifacts.rpms` is modular and only visible when
 * its stream is enabled (named in the config as `module:stream`, else the module's default
 * stream from `modulemd-defaults`); a non-modular package with the name of a package of an
 * enabled stream is hidden. Documents: modulemd v2 and modulemd-defaults v1 (libmodulemd).
 */
import YAML from 'yaml';
import type { ClosurePackage } from './closure-index.ts';

/** One stream: module, stream, and its artifacts as `name-epoch:version-release.arch`. */
export interface ModuleStream { module: string; stream: string; artifacts: Set<string> }

/** The streams and default streams of one or more modules.yaml documents. */
export interface ModuleIndex { streams: ModuleStream[]; defaults: Map<string, string> }

type Doc = { document?: string; data?: { name?: string; module?: string; stream?: string | number;
  artifacts?: { rpms?: string[] } } };

/** Reads modules.yaml texts (each a multi-document YAML stream). Throws on YAML that cannot be parsed. */
export function readModuleIndex(texts: string[]): ModuleIndex {
  const streams: ModuleStream[] = [];
  const defaults = new Map<string, string>();
  for (const text of texts) {
    for (const d of YAML.parseAllDocuments(text)) {
      if (d.errors.length) throw new Error(`modules.yaml: ${d.errors[0]!.message}`);
      const o = d.toJS({ maxAliasCount: 100 }) as Doc | null;
      if (o?.document === 'modulemd' && o.data?.name && o.data.stream !== undefined) {
        const artifacts = new Set(o.data.artifacts?.rpms ?? []);
        streams.push({ module: o.data.name, stream: String(o.data.stream), artifacts });
      } else if (o?.document === 'modulemd-defaults' && o.data?.module && o.data.stream !== undefined) {
        defaults.set(o.data.module, String(o.data.stream));
      }
    }
  }
  return { streams, defaults };
}

const withEpoch = (p: ClosurePackage) => `${p.name}-${p.epoch || '0'}:${p.version}-${p.release}.${p.arch}`;

/**
 * The packages dnf would see with `enabled` (`module:stream` strings) and the defaults.
 * `problems` names each enabled entry that no stream matches.
 */
export function filterModular(all: ClosurePackage[], ix: ModuleIndex, enabled: string[]):
  { visible: ClosurePackage[]; hidden: number; problems: string[] } {
  const chosen = new Map(ix.defaults);
  const problems: string[] = [];
  for (const e of enabled) {
    const [module, stream] = e.split(':');
    if (!module || !stream) { problems.push(`module ${e}: expected module:stream`); continue; }
    if (!ix.streams.some((s) => s.module === module && s.stream === stream)) {
      const known = ix.streams.filter((s) => s.module === module).map((s) => s.stream);
      const list = known.length ? ` (streams: ${[...new Set(known)].join(', ')})` : '';
      problems.push(`module ${e}: no such stream upstream${list}`);
      continue;
    }
    chosen.set(module, stream);
  }
  const streamOf = new Map<string, ModuleStream[]>();
  for (const s of ix.streams) for (const a of s.artifacts) streamOf.set(a, [...(streamOf.get(a) ?? []), s]);
  const enabledNames = new Set<string>();
  const visibleModular = new Set<ClosurePackage>();
  for (const p of all) {
    const streams = streamOf.get(withEpoch(p));
    if (streams?.some((s) => chosen.get(s.module) === s.stream)) { visibleModular.add(p); enabledNames.add(p.name); }
  }
  const visible = all.filter((p) => visibleModular.has(p)
    || (!streamOf.has(withEpoch(p)) && !enabledNames.has(p.name)));
  return { visible, hidden: all.length - visible.length, problems };
}
