/** Relative paths in URLs: each segment percent-encoded, so `#`, `?`, `%` and `+` in a file or directory name stay part of the path. */

/** Percent-encodes each `/`-separated segment of a relative path for a URL. */
export const encodePath = (rel: string) => rel.split('/').map(encodeURIComponent).join('/');
