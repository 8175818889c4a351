/**
 * Where human pages live in the site. Everything generated lives under `_site/` (or is a
 * repo's `index.html`), so pages never shadow mirror paths. Paths are relative to the site
 * root and end with '/' (directory pages).
 */

/** The reserved namespace for generated pages and assets. */
export const PAGE_NAMESPACE = '_site';

/** A URL path segment for a package name or id: keeps [A-Za-z0-9._+-], replaces the rest with '_'. */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._+-]/g, '_') || '_';
}

/** Page of all versions of package `name` in repo `repoId`. */
export function packagePagePath(repoId: string, name: string): string {
  return `${PAGE_NAMESPACE}/p/${slug(repoId)}/${slug(name)}/`;
}

/** Page of one group, erratum or module of a repo. */
export function extraPagePath(repoId: string, kind: 'group' | 'erratum' | 'module', id: string): string {
  return `${PAGE_NAMESPACE}/x/${slug(repoId)}/${kind}/${slug(id)}/`;
}

/** Downloadable `.repo` file of one repo, or of all repos when `repoId` is undefined. */
export function repoFilePath(repoId?: string): string {
  return `${PAGE_NAMESPACE}/repo-files/${repoId ? slug(repoId) : 'airgap-mirror'}.repo`;
}

/** Anchor id of one package version on its page. */
export function versionAnchor(nevra: string): string {
  return `v-${slug(nevra)}`;
}
