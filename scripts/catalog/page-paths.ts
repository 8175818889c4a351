/**
 * Where human pages live in the site. Everything generated lives under `_site/` (or is a
 * repo's `index.html`), so pages never shadow mirror paths. Paths are relative to the site
 * root and end with '/' (directory pages).
 */

import { sha256 } from '../sha256.ts';

/** The reserved namespace for generated pages and assets. */
export const PAGE_NAMESPACE = '_site';

/**
 * A URL path segment for a package name or id, one to one (two names never share a page, as
 * `a<b` and `a>b` would if both became `a_b`): [A-Za-z0-9_+-] and inner dots are kept, every
 * other UTF-8 byte is written `~HH` (so `.`, `..` and a leading dot never make a special path
 * segment, and markup or control characters never reach a file name); the empty name is `~`.
 * A slug over 128 characters (a deep repo path as id) is cut to 100 and ends in `=` and a
 * hash of the whole name (`=` appears nowhere else), so file names stay under NAME_MAX.
 */
export function slug(s: string): string {
  let out = '';
  if (/^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$/.test(s)) out = s;
  else if (!s) return '~';
  else {
    for (const b of Buffer.from(s, 'utf8')) {
      const c = String.fromCharCode(b);
      out += /[A-Za-z0-9_+-]/.test(c) || (c === '.' && out) ? c : `~${b.toString(16).padStart(2, '0')}`;
    }
  }
  return out.length > 128 ? `${out.slice(0, 100)}=${sha256(s).slice(0, 16)}` : out;
}

/** Page of all versions of package `name` in repo `repoId`. */
export function packagePagePath(repoId: string, name: string): string {
  return `${PAGE_NAMESPACE}/p/${slug(repoId)}/${slug(name)}/`;
}

/** Page of all versions of `.deb` package `name` in apt repo `repoId` (catalog/deb-pages.ts). */
export function debPagePath(repoId: string, name: string): string {
  return `${PAGE_NAMESPACE}/d/${slug(repoId)}/${slug(name)}/`;
}

/** Page `n` (1 and up) of the package list of apt repo `repoId`. */
export function aptListPagePath(repoId: string, n: number): string {
  return `${PAGE_NAMESPACE}/dl/${slug(repoId)}/${n}/`;
}

/**
 * Page `n` (2 and up) of a repo's package list; page 1 is the repo's own page at its baseurl
 * (see ROWS_ON_PAGE in catalog-data.ts).
 */
export function repoListPagePath(repoId: string, n: number): string {
  return `${PAGE_NAMESPACE}/r/${slug(repoId)}/${n}/`;
}

/** Page of one group, erratum or module of a repo. */
export function extraPagePath(repoId: string, kind: 'group' | 'erratum' | 'module', id: string): string {
  return `${PAGE_NAMESPACE}/x/${slug(repoId)}/${kind}/${slug(id)}/`;
}

/**
 * Where Astro renders a repo's own page; the build moves its index.html to the repo's path
 * (`<repo path>/index.html`, the baseurl's page).
 */
export function repoIndexPagePath(repoId: string): string {
  return `${PAGE_NAMESPACE}/repo-index/${slug(repoId)}/`;
}

/** Page of the DTK preflight of one kernel. */
export function dtkPagePath(kernel: string): string {
  return `${PAGE_NAMESPACE}/dtk/${slug(kernel)}/`;
}

/** The apt sources of the site's apt repos: deb822 `.sources` and one-line `.list` (generators/apt-sources.ts). */
export const APT_SOURCES_PATH = `${PAGE_NAMESPACE}/repo-files/airgap-mirror.sources`;
export const APT_LIST_PATH = `${PAGE_NAMESPACE}/repo-files/airgap-mirror.list`;

/** Downloadable `.repo` file of one repo, or of all repos when `repoId` is undefined. */
export function repoFilePath(repoId?: string): string {
  return `${PAGE_NAMESPACE}/repo-files/${repoId ? slug(repoId) : 'airgap-mirror'}.repo`;
}

/** Anchor id of one package version on its page. */
export function versionAnchor(nevra: string): string {
  return `v-${slug(nevra)}`;
}
