/**
 * Debian version order, exactly as dpkg orders versions (Debian Policy §5.6.12 "Version"; dpkg's
 * lib/dpkg/version.c `dpkg_version_compare` and `verrevcmp`): `[epoch:]upstream_version[-debian_revision]`;
 * the epoch compares as a number (absent: 0), then the upstream version, then the revision (the text
 * after the last `-`; absent: empty, which orders as `0`), each alternating non-digit runs compared
 * character by character (`~` before the end of the run, before anything; letters before other
 * characters) and digit runs compared as numbers.
 */

/** A parsed Debian version: epoch (a number), upstream version and revision ('' when absent). */
export interface DebVersion { epoch: number; upstream: string; revision: string }

/** Parses `[epoch:]upstream[-revision]` as dpkg does (the revision is what follows the last `-`). */
export function parseDebVersion(text: string): DebVersion {
  const v = text.trim();
  const colon = v.indexOf(':');
  const hasEpoch = colon > 0 && /^\d+$/.test(v.slice(0, colon));
  const epoch = hasEpoch ? Number(v.slice(0, colon)) : 0;
  const rest = hasEpoch ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return { epoch, upstream: rest, revision: '' };
  return { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** dpkg's `order()`: the weight of one character in a non-digit run (end of the string and digits weigh 0). */
function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's `verrevcmp`: negative, 0 or positive as `a` orders before, with or after `b`. */
function verrevcmp(a: string, b: string): number {
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]), bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/** Orders two Debian versions as `dpkg --compare-versions` does: negative, 0 or positive. */
export function compareDebVersions(a: string | DebVersion, b: string | DebVersion): number {
  const x = typeof a === 'string' ? parseDebVersion(a) : a, y = typeof b === 'string' ? parseDebVersion(b) : b;
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision);
}
