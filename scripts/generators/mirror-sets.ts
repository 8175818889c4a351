/**
 * ImageDigestMirrorSet / ImageTagMirrorSet (config.openshift.io/v1) from source → mirror
 * mappings, and a coverage check of the images pods actually run (seed 004). Matching
 * follows containers-registries.conf(5) as the Machine Config Operator writes it from
 * IDMS/ITMS: a source matches an image whose repository equals it or continues it at a '/'
 * boundary, the longest matching source wins, its IDMS mirrors serve pulls by digest only
 * and its ITMS mirrors pulls by tag only, and sources are compared as exact strings
 * (docker.io and registry-1.docker.io are different sources).
 */
import YAML from 'yaml';
import type { ImageMirror } from './settings.ts';

/** IDMS and ITMS manifests (each empty string when it would have no entry). */
export function mirrorSets(mirrors: ImageMirror[], name = 'airgap-mirror'): { idms: string; itms: string } {
  const group = (kind: 'digest' | 'tag') => {
    const bySource = new Map<string, string[]>();
    for (const m of mirrors) if (m.pull === kind || m.pull === 'both') {
      const list = bySource.get(m.source) ?? bySource.set(m.source, []).get(m.source)!;
      if (!list.includes(m.mirror)) list.push(m.mirror);
    }
    return [...bySource].map(([source, list]) => ({ source, mirrors: list }));
  };
  const doc = (kind: string, field: string, entries: unknown[]) => (entries.length
    ? YAML.stringify({ apiVersion: 'config.openshift.io/v1', kind, metadata: { name: `${kind === 'ImageDigestMirrorSet' ? 'idms' : 'itms'}-${name}` }, spec: { [field]: entries } }, { lineWidth: 0 })
    : '');
  return { idms: doc('ImageDigestMirrorSet', 'imageDigestMirrors', group('digest')), itms: doc('ImageTagMirrorSet', 'imageTagMirrors', group('tag')) };
}

/** A parsed image reference: repository (registry/path, fully qualified), tag and digest. */
export interface ImageRef { repository: string; tag?: string; digest?: string }

/** Parses `[registry/]path[:tag][@digest]`; short names get docker.io (and `library/` for one component), like the container tools. */
export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at); }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  const parts = rest.split('/');
  if (parts.length === 1 || !(parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) {
    rest = `docker.io/${parts.length === 1 ? 'library/' : ''}${rest}`;
  }
  return { repository: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Coverage verdict for one image. */
export interface Coverage { image: string; covered: boolean; source?: string; reason?: string }

const matches = (repository: string, source: string) => repository === source || repository.startsWith(`${source}/`);
const DOCKER_ALIASES = ['docker.io', 'registry-1.docker.io', 'index.docker.io'];

/** Checks each image (one per line as `oc get pods -o jsonpath` prints them; duplicates and blanks ignored). */
export function checkCoverage(images: string[], mirrors: ImageMirror[]): Coverage[] {
  const out: Coverage[] = [];
  for (const image of [...new Set(images.map((i) => i.trim()).filter(Boolean))].sort()) {
    const ref = parseImageRef(image);
    const byDigest = !!ref.digest;
    const candidates = mirrors.filter((m) => matches(ref.repository, m.source));
    if (!candidates.length) {
      const host = ref.repository.split('/')[0]!;
      const alias = DOCKER_ALIASES.includes(host)
        ? mirrors.find((m) => DOCKER_ALIASES.some((a) => a !== host && matches(ref.repository.replace(host, a), m.source)))
        : undefined;
      out.push({ image, covered: false, reason: alias
        ? `no mirror source matches ${ref.repository}; ${alias.source} is listed, but sources match as exact strings: add ${ref.repository.split('/').slice(0, alias.source.split('/').length).join('/')} too`
        : `no mirror source matches ${ref.repository}` });
      continue;
    }
    const longest = Math.max(...candidates.map((m) => m.source.length));
    const winners = candidates.filter((m) => m.source.length === longest);
    const source = winners[0]!.source;
    const ok = winners.some((m) => m.pull === 'both' || m.pull === (byDigest ? 'digest' : 'tag'));
    if (ok) { out.push({ image, covered: true, source }); continue; }
    const broader = candidates.find((m) => m.source.length < longest && (m.pull === 'both' || m.pull === (byDigest ? 'digest' : 'tag')));
    out.push({ image, covered: false, source, reason: byDigest
      ? `pulled by digest, but the most specific source ${source} has only tag mirrors (ImageTagMirrorSet); add it to the ImageDigestMirrorSet`
      : `pulled by tag, but the most specific source ${source} has only digest mirrors (ImageDigestMirrorSet); add it to the ImageTagMirrorSet${broader ? ` (the broader ${broader.source} entry does not apply: the longest matching source wins)` : ''}` });
  }
  return out;
}
