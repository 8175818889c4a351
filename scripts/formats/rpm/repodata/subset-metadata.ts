/**
 * Keeps carried metadata consistent with a repo that holds only a subset of upstream's
 * packages (a `sync` with a selection): in `modules.yaml` a `modulemd` stream none of whose
 * `artifacts.rpms` is present is dropped (modulemd-defaults and other documents are kept,
 * as libmodulemd reads them); in comps, `packagereq`s naming absent packages are dropped,
 * then groups left empty, then environment and category references to those groups.
 * Updateinfo is carried as it is (dnf only applies advisories to packages it has).
 */
import { gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import xml2js from 'xml2js';
import YAML from 'yaml';
import { nevra, type PackageRecord } from '../package-record.ts';

/** Rewrites a carried metadata file; returns the bytes as they are when nothing is dropped or they cannot be read. */
export type MetadataFilter = (type: string, name: string, data: Buffer) => Promise<Buffer>;

/** The bytes of a metadata file decompressed as its name says (.gz, .zst, plain .xml/.yaml); undefined for others. */
export const unpackMetadata = (name: string, data: Buffer) =>
  name.endsWith('.gz') ? gunzipSync(data) : name.endsWith('.zst') ? zstdDecompressSync(data)
    : /\.(xml|yaml)$/.test(name) ? data : undefined;
const pack = (name: string, data: Buffer) =>
  name.endsWith('.gz') ? gzipSync(data) : name.endsWith('.zst') ? zstdCompressSync(data) : data;

/** Module stream artifacts use `name-epoch:version-release.arch`, always with the epoch. */
const withEpoch = (p: PackageRecord) => `${p.name}-${p.epoch || '0'}:${p.version}-${p.release}.${p.arch}`;

/** Drops modulemd streams with no artifact among `present` (NEVRAs with epoch). */
function filterModules(text: string, present: Set<string>): string | undefined {
  const docs = YAML.parseAllDocuments(text);
  const kept = docs.filter((d) => {
    const o = d.toJS() as { document?: string; data?: { artifacts?: { rpms?: string[] } } } | null;
    if (o?.document !== 'modulemd') return true;
    const rpms = o.data?.artifacts?.rpms ?? [];
    return rpms.some((r) => present.has(r) || present.has(r.replace(/-(\d+):/, (m, e) => (e === '0' ? '-' : m))));
  });
  if (kept.length === docs.length) return undefined;
  return kept.map((d) => {
    const s = d.toString();
    return s.startsWith('---') ? s : `---\n${s}`;
  }).join('');
}

type Comps = { comps?: { group?: CompsGroup[]; environment?: CompsEnv[]; category?: CompsEnv[] } };
type CompsGroup = { id?: string[]; packagelist?: { packagereq?: (string | { _: string })[] }[] };
type CompsEnv = { grouplist?: { groupid?: string[] }[]; optionlist?: { groupid?: string[] }[] };

/** Drops packagereqs of absent package names, then empty groups and references to them. */
async function filterComps(text: string, names: Set<string>): Promise<string | undefined> {
  const doc = (await xml2js.parseStringPromise(text)) as Comps;
  const c = doc.comps;
  if (!c?.group) return undefined;
  let changed = false;
  const kept = c.group.filter((g) => {
    for (const list of g.packagelist ?? []) {
      const before = list.packagereq?.length ?? 0;
      list.packagereq = (list.packagereq ?? []).filter((r) => names.has(typeof r === 'string' ? r : r._));
      changed ||= list.packagereq.length !== before;
    }
    return (g.packagelist ?? []).some((l) => l.packagereq?.length);
  });
  if (!changed) return undefined;
  const ids = new Set(kept.map((g) => g.id?.[0]));
  c.group = kept;
  for (const env of [...(c.environment ?? []), ...(c.category ?? [])]) {
    for (const list of [...(env.grouplist ?? []), ...(env.optionlist ?? [])]) {
      list.groupid = (list.groupid ?? []).filter((id) => ids.has(id));
    }
  }
  return new xml2js.Builder({ xmldec: { version: '1.0', encoding: 'UTF-8' } }).buildObject(doc);
}

/** A filter keeping modules and comps to the packages of a subset repo. */
export function subsetMetadataFilter(packages: PackageRecord[]): MetadataFilter {
  const present = new Set(packages.flatMap((p) => [withEpoch(p), nevra(p)]));
  const names = new Set(packages.map((p) => p.name));
  return async (type, name, data) => {
    const open = unpackMetadata(name, data);
    if (!open) return data;
    const text = open.toString('utf8');
    const out = type === 'modules' ? filterModules(text, present)
      : type === 'group' || type === 'group_gz' ? await filterComps(text, names) : undefined;
    return out === undefined ? data : pack(name, Buffer.from(out));
  };
}
