/**
 * Reads the upstream extra metadata a repo carries (comps groups, updateinfo errata,
 * modules.yaml streams) into small records for the pages. comps and updateinfo are XML
 * (xml2js); modules is a multi-document YAML stream (yaml). A damaged file gives no records and
 * one warning naming it, rather than failing the build (the repodata copy is still served).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import xml2js from 'xml2js';
import YAML from 'yaml';
import { type RepomdRecord } from '../formats/format.ts';

/** A comps group: id, name, description, package names with their type (mandatory/default/optional/conditional). */
export interface GroupRecord { id: string; name: string; description: string; packages: { name: string; type: string }[] }
/** An erratum: id, type, severity, dates (as written upstream), text, affected NEVRAs (with filename). */
export interface ErratumRecord { id: string; title: string; type: string; severity: string; issued: string; description: string; packages: { nevra: string; filename: string }[] }
/** A module stream: name:stream, version, context, arch, summary, description, profiles, artifact NEVRAs. */
export interface ModuleRecord { id: string; name: string; stream: string; version: string; context: string; arch: string; summary: string; description: string; profiles: string[]; artifacts: string[]; isDefault: boolean }

/** The extra metadata of one repo. */
export interface ExtraMetadata { groups: GroupRecord[]; errata: ErratumRecord[]; modules: ModuleRecord[] }

const text = (v: unknown): string => {
  const x = Array.isArray(v) ? v[0] : v;
  if (x === undefined || x === null) return '';
  return typeof x === 'object' ? String((x as { _?: string })._ ?? '') : String(x);
};
const attr = (v: unknown, name: string): string => String(((Array.isArray(v) ? v[0] : v) as { $?: Record<string, string> } | undefined)?.$?.[name] ?? '');

/** Called once per carried file that cannot be read: its href in the repo, its type, why. */
export type DamagedMetadata = (href: string, type: string, why: string) => void;

/**
 * Reads the first of `types` the records list and hands its text to `parse`; a file that cannot
 * be read, unpacked or parsed is reported through `damaged` and gives nothing.
 */
async function withFile(repoOutDir: string, records: RepomdRecord[], types: string[], damaged: DamagedMetadata,
  parse: (text: string) => Promise<void> | void): Promise<void> {
  const r = types.map((t) => records.find((x) => x.type === t)).find(Boolean);
  if (!r) return;
  try {
    const data = await readFile(join(repoOutDir, r.href));
    await parse((r.href.endsWith('.gz') ? gunzipSync(data) : data).toString('utf8'));
  } catch (err) {
    damaged(r.href, r.type, (err as Error).message.split('\n')[0]!);
  }
}

/** Parses the repo's carried comps, updateinfo and modules files (as listed in its repomd records); see withFile. */
export async function readExtraMetadata(repoOutDir: string, records: RepomdRecord[], damaged: DamagedMetadata):
  Promise<ExtraMetadata> {
  const out: ExtraMetadata = { groups: [], errata: [], modules: [] };
  await withFile(repoOutDir, records, ['group', 'group_gz'], damaged, async (comps) => {
    const doc = await xml2js.parseStringPromise(comps);
    if (!doc?.comps) throw new Error('no <comps> element');
    for (const g of doc.comps.group ?? []) {
      out.groups.push({
        id: text(g.id), name: text(g.name), description: text(g.description),
        packages: (g.packagelist?.[0]?.packagereq ?? []).map((p: unknown) => ({ name: text(p), type: attr(p, 'type') || 'mandatory' })),
      });
    }
  });
  await withFile(repoOutDir, records, ['updateinfo'], damaged, async (updateinfo) => {
    const doc = await xml2js.parseStringPromise(updateinfo);
    if (!doc?.updates) throw new Error('no <updates> element');
    for (const u of doc.updates.update ?? []) {
      const pkgs = (u.pkglist?.[0]?.collection ?? []).flatMap((c: { package?: unknown[] }) => c.package ?? []);
      out.errata.push({
        id: text(u.id), title: text(u.title), type: u.$?.type ?? '', severity: text(u.severity), issued: attr(u.issued, 'date'),
        description: text(u.description),
        packages: pkgs.map((p: unknown) => {
          const e = attr(p, 'epoch');
          return { nevra: `${attr(p, 'name')}-${e && e !== '0' ? `${e}:` : ''}${attr(p, 'version')}-${attr(p, 'release')}.${attr(p, 'arch')}`, filename: text((p as { filename?: unknown }).filename) };
        }),
      });
    }
  });
  await withFile(repoOutDir, records, ['modules'], damaged, (modules) => {
    const parsed = YAML.parseAllDocuments(modules);
    const bad = parsed.flatMap((d) => d.errors);
    if (bad.length) throw new Error(bad[0]!.message);
    const docs = parsed.map((d) => d.toJS() as { document?: string; data?: Record<string, unknown> });
    const defaults = new Map(docs.filter((d) => d.document === 'modulemd-defaults').map((d) => [String(d.data?.module), String(d.data?.stream)]));
    for (const d of docs.filter((x) => x.document === 'modulemd')) {
      const m = d.data ?? {};
      const name = String(m.name ?? ''), stream = String(m.stream ?? '');
      out.modules.push({
        id: `${name}:${stream}`, name, stream, version: String(m.version ?? ''), context: String(m.context ?? ''), arch: String(m.arch ?? ''),
        summary: String(m.summary ?? ''), description: String(m.description ?? '').trim(),
        profiles: Object.keys((m.profiles as object) ?? {}), artifacts: ((m.artifacts as { rpms?: string[] })?.rpms ?? []).map(String),
        isDefault: defaults.get(name) === stream,
      });
    }
  });
  return out;
}
