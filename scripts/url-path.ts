/** Relative paths in URLs: each segment percent-encoded, so `#`, `?`, `%` and `+` in a file or directory name stay part of the path. */

/** Percent-encodes each `/`-separated segment of a relative path for a URL. */
export const encodePath = (rel: string) => rel.split('/').map(encodeURIComponent).join('/');

/**
 * `url` as the site may publish it: without userinfo (`user:password@`), query string (CDN
 * tokens, signed URLs) or fragment; undefined for a string that is not an absolute URL.
 */
export function publishableUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  return u.href;
}
