/**
 * Page data of `.deb` packages: one page per package name per apt repo (`_site/d/<repo>/<name>/`)
 * with every version's control fields, download path, size and digests, its relations with each
 * alternative linked to the packages that satisfy it (a real package of that name whose version
 * meets the relation, or one providing it as a virtual package: Debian Policy §7.5, a versioned
 * relation met only by a versioned Provides), the packages whose Depends or Pre-Depends it
 * satisfies ("required by"), its files and its changelog. Bounded as RPM pages are: FILES_ON_PAGE
 * paths, PROVIDERS_ON_PAGE links per alternative, REQUIRED_BY_ON_PAGE reverse dependencies.
 */
import {
  compareDebVersions, parseRelations, RELATION_FIELDS, type AptPackage, type DebAlternative, type DebChangelogEntry
} from '../formats/format.ts';
import { FILES_ON_PAGE, PROVIDERS_ON_PAGE, REQUIRED_BY_ON_PAGE } from './package-pages.ts';
import { debPagePath, slug } from './page-paths.ts';

/** The bounds of RPM package pages hold for these pages too. */
export { FILES_ON_PAGE, PROVIDERS_ON_PAGE, REQUIRED_BY_ON_PAGE };

/** A link to one version of a `.deb` package's page: `name version`, repo, site-relative href with anchor. */
export interface DebLink { text: string; repoId: string; href: string }

/** One alternative of a relation as shown: its text, and what satisfies it (the first PROVIDERS_ON_PAGE, of a count). */
export interface DebAlternativeView { text: string; satisfiedBy: DebLink[]; satisfiedByCount: number }

/** One version of a package on its page. Sizes in bytes. */
export interface DebVersionView {
  anchor: string; version: string; arch: string; filename: string; size: number; md5: string; sha256: string;
  /** Control fields other than Package, Version, Architecture, Description and the relations, in package order. */
  fields: [string, string][];
  summary: string; description: string;
  /** Relation field (Policy order) → relations, each a list of alternatives. */
  relations: [string, DebAlternativeView[][]][];
  files: string[]; fileCount: number; changelog: DebChangelogEntry[];
}

/** The data of one package page. */
export interface DebPageData {
  page: string; repoId: string; repoPath: string; name: string; versions: DebVersionView[];
  requiredBy: DebLink[]; requiredByCount: number;
}

/** One apt repo's packages, as the build read them. */
export interface DebRepoPackages { repoId: string; repoPath: string; packages: AptPackage[] }

/** Anchor of one version on a package page. */
const anchorOf = (version: string, arch: string) => `v-${slug(`${version}-${arch}`)}`;

/** Fields shown apart from the field list: the version's heading, its description, its relations. */
const NOT_FIELDS = new Set<string>(['Package', 'Version', 'Architecture', 'Description', ...RELATION_FIELDS]);

/** Whether `version` meets `op wanted` (Debian Policy §7.1). */
function meets(version: string, op: NonNullable<DebAlternative['op']>, wanted: string): boolean {
  const c = compareDebVersions(version, wanted);
  return op === '<<' ? c < 0 : op === '<=' ? c <= 0 : op === '=' ? c === 0 : op === '>=' ? c >= 0 : c > 0;
}

interface Candidate { p: AptPackage; repoId: string; name: string; version: string; arch: string }

/** The text of an alternative as written (`name:arch (op version)`). */
const altText = (a: DebAlternative) => `${a.name}${a.arch ? `:${a.arch}` : ''}${a.op ? ` (${a.op} ${a.version})` : ''}`;

/**
 * Page data for every package name of every apt repo in `repos`; relations resolve across all
 * of them. Pure: no I/O.
 */
export function debPages(repos: DebRepoPackages[]): DebPageData[] {
  const all: Candidate[] = repos.flatMap((r) => r.packages.map((p) => ({ p, repoId: r.repoId,
    name: p.deb.control.Package!, version: p.deb.control.Version!, arch: p.deb.control.Architecture ?? 'all' })));
  const byName = new Map<string, Candidate[]>();
  const providers = new Map<string, { c: Candidate; version?: string }[]>();
  for (const c of all) {
    (byName.get(c.name) ?? byName.set(c.name, []).get(c.name)!).push(c);
    for (const [alt] of parseRelations(c.p.deb.control.Provides)) {
      if (!alt) continue;
      const list = providers.get(alt.name) ?? providers.set(alt.name, []).get(alt.name)!;
      list.push({ c, ...(alt.op === '=' && alt.version ? { version: alt.version } : {}) });
    }
  }
  const link = (c: Candidate): DebLink => ({ text: `${c.name} ${c.version} (${c.arch})`, repoId: c.repoId,
    href: `${debPagePath(c.repoId, c.name)}#${anchorOf(c.version, c.arch)}` });
  const satisfying = (a: DebAlternative): Candidate[] => {
    const real = (byName.get(a.name) ?? []).filter((c) => !a.op || meets(c.version, a.op, a.version!));
    const virtual = (providers.get(a.name) ?? [])
      .filter((v) => !a.op || (v.version && meets(v.version, a.op, a.version!))).map((v) => v.c);
    return [...new Set([...real, ...virtual])];
  };
  const requiredBy = new Map<Candidate, Set<Candidate>>();
  const views = new Map<Candidate, DebVersionView>();
  for (const c of all) {
    const control = c.p.deb.control;
    const relations: [string, DebAlternativeView[][]][] = [];
    for (const field of RELATION_FIELDS) {
      const parsed = parseRelations(control[field]);
      if (!parsed.length) continue;
      relations.push([field, parsed.map((rel) => rel.map((a) => {
        const found = field === 'Provides' ? [] : satisfying(a);
        if (field === 'Depends' || field === 'Pre-Depends') {
          for (const f of found) (requiredBy.get(f) ?? requiredBy.set(f, new Set()).get(f)!).add(c);
        }
        return { text: altText(a), satisfiedBy: found.slice(0, PROVIDERS_ON_PAGE).map(link),
          satisfiedByCount: found.length };
      }))]);
    }
    const [summary = '', ...rest] = (control.Description ?? '').split('\n');
    const files = c.p.deb.files.filter((f) => !f.endsWith('/'));
    views.set(c, {
      anchor: anchorOf(c.version, c.arch), version: c.version, arch: c.arch, filename: c.p.filename,
      size: c.p.deb.size, md5: c.p.deb.md5, sha256: c.p.deb.sha256,
      fields: Object.entries(control).filter(([k]) => !NOT_FIELDS.has(k)),
      summary, description: rest.map((l) => (l.trim() === '.' ? '' : l.replace(/^ /, ''))).join('\n').trim(),
      relations, files: files.slice(0, FILES_ON_PAGE), fileCount: files.length, changelog: c.p.deb.changelog,
    });
  }
  const pages: DebPageData[] = [];
  for (const r of repos) {
    const names = new Map<string, Candidate[]>();
    for (const c of all.filter((x) => x.repoId === r.repoId)) {
      (names.get(c.name) ?? names.set(c.name, []).get(c.name)!).push(c);
    }
    for (const [name, versions] of [...names].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      versions.sort((a, b) => compareDebVersions(b.version, a.version)
        || (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));
      const users = [...new Set(versions.flatMap((v) => [...(requiredBy.get(v) ?? [])]))]
        .filter((u) => !versions.includes(u)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      pages.push({ page: debPagePath(r.repoId, name), repoId: r.repoId, repoPath: r.repoPath, name,
        versions: versions.map((v) => views.get(v)!), requiredBy: users.slice(0, REQUIRED_BY_ON_PAGE).map(link),
        requiredByCount: users.length });
    }
  }
  return pages;
}
