/** Formatting helpers for pages. */

/** Human size for a byte count (binary units). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

/** ISO date-time (UTC, minutes) of epoch seconds. */
export function formatTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** Relative prefix from a directory page at site path `path` (like `ubi9/baseos/` or `ubi9/baseos`) back to the site root. */
export function rootPrefix(path: string): string {
  const depth = path.split('/').filter(Boolean).length;
  return depth ? '../'.repeat(depth) : './';
}
