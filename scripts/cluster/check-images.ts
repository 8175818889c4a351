/**
 * `images check`: is every image the node pools need in the mirror registry? Each distinct
 * repository is listed once (registry-client.ts); each required image is then present,
 * missing (the repository has no such tag, or no such repository), or not checkable (the
 * registry could not be asked: network, TLS, login), with why.
 */
import type { RequiredImage } from './required-images.ts';
import type { RegistryClient } from './registry-client.ts';

/** One verdict: the required image, `present`/`missing`/`unchecked`, and why when not present. */
export interface ImageVerdict extends RequiredImage { status: 'present' | 'missing' | 'unchecked'; why?: string }

/** Splits `host[:port]/path` into the registry host and the repository name. */
export function splitRepository(repository: string): { host: string; name: string } {
  const slash = repository.indexOf('/');
  return { host: repository.slice(0, slash), name: repository.slice(slash + 1) };
}

/**
 * Checks `images`. `endpoint(host)` gives the URL to ask for a registry host (the host over
 * https, or `--registry URL`).
 */
export async function checkImages(images: RequiredImage[], client: RegistryClient, endpoint: (host: string) => string):
  Promise<ImageVerdict[]> {
  const listings = new Map<string, Awaited<ReturnType<RegistryClient['listTags']>>>();
  for (const repo of new Set(images.map((i) => i.repository))) {
    const { host, name } = splitRepository(repo);
    listings.set(repo, await client.listTags(endpoint(host), name));
  }
  return images.map((img) => {
    const l = listings.get(img.repository)!;
    if ('error' in l) return { ...img, status: 'unchecked', why: l.error };
    if (l.tags.includes(img.tag)) return { ...img, status: 'present' };
    return { ...img, status: 'missing', why: l.notFound ? 'the registry has no such repository' : 'no such tag' };
  });
}
