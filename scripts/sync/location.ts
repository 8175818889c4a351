/**
 * Where a package from upstream repodata goes, and from which URL. A `<location href>` must
 * stay inside the repo's path after normalisation: `../` and absolute paths are always
 * refused (as dnf reposync's `--safe-write-path` guards). An absolute URL or an
 * `xml:base` naming another place is refused unless the repo allows external locations;
 * then the file is fetched from there and kept under `Packages/<file name>`.
 */
import { insideRepo } from '../scan/inside-mirror.ts';
import { encodePath } from '../url-path.ts';

export { encodePath, insideRepo };

/** A resolved location: the URL to fetch, the '/'-separated path inside the repo, and whether it moved. */
export interface Location { url: string; path: string; relocated: boolean }


/** `baseurl` with exactly one trailing slash. */
export const withSlash = (baseurl: string) => baseurl.replace(/\/*$/, '/');


/**
 * Resolves `href` (with its `xml:base`, if any) against the repo's `baseurl`.
 * Returns the location, or `{ refused }` saying why it is not taken.
 */
export function resolveLocation(baseurl: string, href: string, base: string | undefined, allowExternal: boolean):
  Location | { refused: string } {
  const root = withSlash(baseurl);
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(href);
  const external = absolute || (base !== undefined && withSlash(base) !== root);
  if (external && !allowExternal) {
    return { refused: `the location ${absolute ? href : `${base} + ${href}`} is outside the repo's baseurl ${root}` };
  }
  if (absolute) {
    const name = decodeURIComponent(new URL(href).pathname.split('/').pop() ?? '');
    const path = insideRepo(`Packages/${name}`);
    return path && name ? { url: href, path, relocated: true } : { refused: `no file name in ${href}` };
  }
  const path = insideRepo(href);
  if (!path) return { refused: `the location ${href} leaves the repo's path` };
  return { url: new URL(encodePath(path), external ? withSlash(base!) : root).href, path, relocated: false };
}
