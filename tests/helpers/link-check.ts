/**
 * Crawls a served site from its home page over HTTP and reports every internal link
 * (href/src in HTML) that does not answer 200, or whose #fragment is not an id on the target.
 */

const ENTITY: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITY[m]!);

/** One broken link: the page it is on and the URL that failed, with why. */
export interface BrokenLink { from: string; to: string; why: string }

/** Crawls every HTML page reachable from `start` within `scope` (a URL prefix); returns pages seen and broken links. */
export async function checkLinks(start: string, scope: string): Promise<{ pages: number; links: number; broken: BrokenLink[] }> {
  const pages = new Map<string, string>(); // url without fragment → html ('' for non-html)
  const queue = [start];
  const broken: BrokenLink[] = [];
  const edges: { from: string; to: URL }[] = [];
  const status = new Map<string, number>();
  while (queue.length) {
    const url = queue.shift()!;
    if (pages.has(url)) continue;
    const res = await fetch(url);
    status.set(url, res.status);
    const type = res.headers.get('content-type') ?? '';
    const body = type.includes('text/html') ? await res.text() : (await res.arrayBuffer(), '');
    pages.set(url, body);
    if (!body) continue;
    for (const m of body.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const to = new URL(decode(m[1]!), url);
      if (!to.href.startsWith(scope)) continue;
      edges.push({ from: url, to });
      const bare = to.href.split('#')[0]!;
      if (!pages.has(bare) && !to.pathname.includes('/_site/pagefind/')) queue.push(bare);
    }
  }
  for (const { from, to } of edges) {
    const bare = to.href.split('#')[0]!;
    if (to.pathname.includes('/_site/pagefind/') && !status.has(bare)) status.set(bare, (await fetch(bare)).status);
    if (status.get(bare) !== 200) broken.push({ from, to: to.href, why: `HTTP ${status.get(bare)}` });
    else if (to.hash && pages.get(bare) && !pages.get(bare)!.includes(`id="${decodeURIComponent(to.hash.slice(1))}"`)) broken.push({ from, to: to.href, why: 'missing anchor' });
  }
  return { pages: [...pages.values()].filter(Boolean).length, links: edges.length, broken };
}
