/**
 * apt's source files as users write them (sources.list(5), apt 2.4 doc/sources.list.5.xml):
 * - one-line style (`.list`): `deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] URI suite [component…]`,
 *   `#` starting a comment; a suite ending in `/` is a flat repository and takes no component;
 * - deb822 style (`.sources`): paragraphs with `Types`, `URIs`, `Suites`, `Components`,
 *   `Architectures`, `Signed-By` (key file paths, or an armored key inline whose blank lines are
 *   written ` .`, apt ≥ 2.3.10), `Trusted`, `Snapshot`, `Check-Valid-Until`, `Enabled: no`
 *   (the one-line options `snapshot=`, `check-valid-until=` likewise).
 * Only `deb` entries are read (`deb-src` is not mirrored).
 */
import { parseControl } from './control.ts';

/** One `deb` source: where it was written (`file:line`), URIs, suites, components, architectures, keys. */
export interface AptSource {
  where: string; uris: string[]; suites: string[]; components: string[]; architectures?: string[];
  /** Key file paths, or one armored key block (deb822 inline form). */
  signedBy?: string[];
  trusted?: boolean;
  /** A snapshot id (`snapshot=` / `Snapshot:`); `yes`/`no`/`enable`/`disable` name none. */
  snapshot?: string;
  /** `check-valid-until=no` / `Check-Valid-Until: no`. */
  checkValidUntil?: false;
}

/** An option value as apt's StringToBool reads it (apt-pkg/contrib/strutl.cc): true, false, or neither. */
function aptBool(v: string | undefined): boolean | undefined {
  if (!v) return undefined;
  if (/^(no|false|without|off|disable)$/i.test(v)) return false;
  return /^(yes|true|with|on|enable)$/i.test(v) ? true : undefined;
}

/** The snapshot id of a `snapshot` option value: apt's booleans (enable, disable…) select no snapshot here. */
const snapshotId = (v: string | undefined) => (v && aptBool(v) === undefined ? { snapshot: v } : {});

/** `check-valid-until` set to no. */
const noValidUntil = (v: string | undefined) => (aptBool(v) === false ? { checkValidUntil: false as const } : {});

const words = (v: string | undefined) => (v ?? '').split(/[\s,]+/).filter(Boolean);

/** The armored key of an inline `Signed-By` value (continuation lines un-indented, ` .` read as an empty line). */
function inlineKey(value: string): string {
  const lines = value.split('\n').map((l) => l.replace(/^[ \t]/, '')).map((l) => (l === '.' ? '' : l));
  return `${lines.join('\n').trim()}\n`;
}

/** Parses deb822 text; throws an Error naming the paragraph's line for one without URIs or Suites. */
function parseDeb822(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  const lines = text.split('\n');
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && lines[i]!.trim() !== '') continue;
    const para = lines.slice(start, i).filter((l) => !l.startsWith('#')).join('\n');
    const at = start + 1;
    start = i + 1;
    if (!para.trim()) continue;
    const f = parseControl(para);
    if (/^no$/i.test(f.Enabled ?? '') || !words(f.Types).includes('deb')) continue;
    const where = `${file}:${at}`;
    if (!f.URIs || !f.Suites) throw new Error(`${where}: a deb822 source needs URIs and Suites`);
    const signed = f['Signed-By'];
    out.push({
      where, uris: words(f.URIs), suites: words(f.Suites), components: words(f.Components),
      ...(f.Architectures ? { architectures: words(f.Architectures) } : {}),
      ...(signed ? { signedBy: signed.includes('BEGIN PGP PUBLIC KEY BLOCK') ? [inlineKey(signed)] : words(signed) }
        : {}),
      ...(/^yes$/i.test(f.Trusted ?? '') ? { trusted: true } : {}),
      ...snapshotId(f.Snapshot), ...noValidUntil(f['Check-Valid-Until']),
    });
  }
  return out;
}

/** Parses one-line text; throws an Error naming the line for a `deb` line without URI and suite. */
function parseOneLine(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    const where = `${file}:${i + 1}`;
    let rest = line.slice(3).trim();
    const opts: Record<string, string> = {};
    if (rest.startsWith('[')) {
      const end = rest.indexOf(']');
      if (end < 0) throw new Error(`${where}: unclosed [ options ]`);
      for (const o of rest.slice(1, end).trim().split(/\s+/).filter(Boolean)) {
        const eq = o.indexOf('=');
        if (eq > 0) opts[o.slice(0, eq)] = o.slice(eq + 1);
      }
      rest = rest.slice(end + 1).trim();
    }
    const [uri, suite, ...components] = rest.split(/\s+/);
    if (!uri || !suite) throw new Error(`${where}: expected deb [options] URI suite [component...]`);
    out.push({
      where, uris: [uri], suites: [suite], components,
      ...(opts.arch ? { architectures: opts.arch.split(',') } : {}),
      ...(opts['signed-by'] ? { signedBy: opts['signed-by'].split(',') } : {}),
      ...(opts.trusted === 'yes' ? { trusted: true } : {}),
      ...snapshotId(opts.snapshot), ...noValidUntil(opts['check-valid-until']),
    });
  }
  return out;
}

/**
 * The `deb` sources of a sources file's text: deb822 when the name ends `.sources` or the text
 * has a `Types:` field, else one-line. Throws an Error naming `file:line` for an entry apt would refuse.
 */
export function parseSourcesFile(text: string, file: string): AptSource[] {
  const deb822 = file.endsWith('.sources') || /^Types:/mi.test(text);
  return deb822 ? parseDeb822(text, file) : parseOneLine(text, file);
}
