/**
 * EVR (epoch:version-release) parsing and rpm version comparison.
 * `parseEvr` follows createrepo_c `cr_str_to_evr` (epoch defaults to "0", release is what
 * follows the first '-'); `rpmvercmp` follows rpm's lib/rpmvercmp.c.
 */

/** Epoch/version/release parts of a dependency version string like `14:1.10.0-4.el9`. */
export interface Evr { epoch: string; version: string; release?: string }

/** Splits `[E:]V[-R]`; a non-numeric prefix before ':' is not an epoch (createrepo_c). */
export function parseEvr(s: string): Evr {
  let rest = s;
  let epoch = '0';
  const colon = s.indexOf(':');
  if (colon >= 0) {
    const prefix = s.slice(0, colon);
    if (/^[0-9]+$/.test(prefix)) epoch = prefix;
    rest = s.slice(colon + 1);
  }
  const dash = rest.indexOf('-');
  return dash >= 0 ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) } : { epoch, version: rest };
}

const isAlnum = (c: string) => /[A-Za-z0-9]/.test(c);

/** rpm version segment comparison: -1, 0 or 1 (handles '~' pre-release and '^' post-release). */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]!) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]!) && b[j] !== '~' && b[j] !== '^') j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++; j++; continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++; j++; continue;
    }
    if (!(i < a.length && j < b.length)) break;
    const numeric = /[0-9]/.test(a[i]!);
    const re = numeric ? /[0-9]/ : /[A-Za-z]/;
    let ie = i, je = j;
    while (ie < a.length && re.test(a[ie]!)) ie++;
    while (je < b.length && re.test(b[je]!)) je++;
    let sa = a.slice(i, ie), sb = b.slice(j, je);
    if (!sb) return numeric ? 1 : -1;
    if (numeric) {
      sa = sa.replace(/^0+/, ''); sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa > sb ? 1 : -1;
    i = ie; j = je;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** Compares two full EVRs: epoch numerically, then version and release with rpmvercmp. */
export function compareEvr(a: Evr, b: Evr): number {
  const ea = Number(a.epoch || 0), eb = Number(b.epoch || 0);
  if (ea !== eb) return ea > eb ? 1 : -1;
  return rpmvercmp(a.version, b.version) || rpmvercmp(a.release ?? '', b.release ?? '');
}

/**
 * The newest `n` versions (compareEvr order, newest first) of each name and arch among `items`,
 * an item given twice counted once; what `dnf reposync --newest-only` keeps for n = 1.
 */
export function newestPerNameArch<T extends Evr & { name: string; arch: string }>(items: Iterable<T>, n: number): T[] {
  const groups = new Map<string, Set<T>>();
  for (const p of items) {
    const key = `${p.name}.${p.arch}`;
    const g = groups.get(key);
    if (g) g.add(p);
    else groups.set(key, new Set([p]));
  }
  return [...groups.values()].flatMap((g) => [...g].sort((a, b) => compareEvr(b, a)).slice(0, n));
}
