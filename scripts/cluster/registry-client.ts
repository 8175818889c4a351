/**
 * Lists a repository's tags in a container registry through the OCI distribution API (OCI
 * distribution-spec, "Content discovery": `GET /v2/<name>/tags/list?n=<page>`, the next page
 * named by a `Link: <url>; rel="next"` header), with undici. Authentication as the registries
 * ask for it in `WWW-Authenticate` on a 401: `Basic` with the user and password of an
 * `auth.json`, or `Bearer realm=...,service=...,scope=...` (the Docker registry token
 * specification distribution 2.8 implements: GET the realm with `service` and `scope`, with
 * Basic credentials when there are some, and use the `token` or `access_token` it returns).
 */
import { readFile } from 'node:fs/promises';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';

/** User and password for one registry host. */
export interface Credentials { username: string; password: string }

/**
 * Client settings: CA file, whether TLS certificates are verified (`tlsVerify`, default true; false
 * is podman's and skopeo's `--tls-verify=false`), credentials by host, timeout in seconds, tags
 * asked per page. Plain http is the endpoint's scheme, chosen by the caller (`--insecure`).
 */
export interface RegistryOptions { ca?: string; tlsVerify?: boolean; credentials?: Map<string, Credentials>; timeoutSeconds?: number;
  pageSize?: number }

/** Tags of a repository, or why they could not be listed; `notFound` when the registry has no such repository. */
export type TagListing = { tags: string[]; notFound?: boolean } | { error: string };

/** Parses a `WWW-Authenticate` challenge: scheme and its parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const [, scheme = '', rest = ''] = /^\s*(\w+)\s*(.*)$/.exec(header) ?? [];
  const params: Record<string, string> = {};
  for (const m of rest.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!.toLowerCase()] = m[2]!;
  return { scheme: scheme.toLowerCase(), params };
}

/** The URL of `rel="next"` in a `Link` header, resolved against `base`. */
export function nextLink(link: string | undefined, base: string): string | undefined {
  const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  return m ? new URL(m[1]!, base).href : undefined;
}

/**
 * Reads container credentials: `auths.<host>.auth` (base64 `user:password`) or
 * `username`/`password` of a podman/Docker `auth.json`. Host keys may carry a scheme or path
 * (`https://index.docker.io/v1/`); they are reduced to `host[:port]`. Throws naming the file.
 */
export async function readAuthFile(file: string): Promise<Map<string, Credentials>> {
  let doc: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read the auth file (${(err as Error).message})`);
  }
  const out = new Map<string, Credentials>();
  for (const [key, v] of Object.entries(doc.auths ?? {})) {
    const host = key.replace(/^\w+:\/\//, '').split('/')[0]!;
    const [user, ...pass] = v.auth ? Buffer.from(v.auth, 'base64').toString('utf8').split(':') : [v.username, v.password];
    if (user) out.set(host, { username: user, password: pass.join(':') });
  }
  return out;
}

const basic = (c: Credentials) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** A tag-listing client for registry endpoints (`https://host[:port]`, or `http://` where the caller allows it). */
export class RegistryClient {
  private readonly agent: Dispatcher;
  private readonly o: RegistryOptions;
  private readonly tokens = new Map<string, string>();

  private constructor(o: RegistryOptions, ca?: Buffer) {
    this.o = o;
    const ms = (o.timeoutSeconds ?? 30) * 1000;
    const tls = { ...(ca ? { ca } : {}), ...(o.tlsVerify === false ? { rejectUnauthorized: false } : {}) };
    // HTTP(S)_PROXY and NO_PROXY are honoured, as sync does (a bastion host reaches the registry through a proxy)
    this.agent = new EnvHttpProxyAgent({ headersTimeout: ms, bodyTimeout: ms, connectTimeout: ms, connect: tls, requestTls: tls });
  }

  /** Reads the CA file now; throws naming it. */
  static async create(o: RegistryOptions): Promise<RegistryClient> {
    const ca = o.ca ? await readFile(o.ca).catch((err) => { throw new Error(`${o.ca}: cannot read the CA file (${err.code})`); }) : undefined;
    return new RegistryClient(o, ca);
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }

  /** A token from a Bearer challenge's realm, cached per realm, service and scope. */
  private async token(params: Record<string, string>, creds?: Credentials): Promise<string> {
    const key = `${params.realm} ${params.service} ${params.scope}`;
    const cached = this.tokens.get(key);
    if (cached) return cached;
    const url = new URL(params.realm!);
    if (params.service) url.searchParams.set('service', params.service);
    if (params.scope) url.searchParams.set('scope', params.scope);
    const res = await request(url, { dispatcher: this.agent, headers: creds ? { authorization: basic(creds) } : {} });
    const body = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`the token service ${url.origin}${url.pathname} answered HTTP ${res.statusCode}`);
    const t = (JSON.parse(body) as { token?: string; access_token?: string });
    const token = t.token ?? t.access_token;
    if (!token) throw new Error(`the token service ${url.origin}${url.pathname} returned no token`);
    this.tokens.set(key, token);
    return token;
  }

  /** GET `url`, answering one 401 challenge; resolves to status, headers and body text. */
  private async get(url: string): Promise<{ status: number; link?: string; body: string }> {
    const host = new URL(url).host;
    const creds = this.o.credentials?.get(host);
    let auth: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const res = await request(url, { dispatcher: this.agent, headers: { accept: 'application/json', ...(auth ? { authorization: auth } : {}) } });
      const body = await res.body.text();
      const challenge = res.headers['www-authenticate'];
      if (res.statusCode !== 401 || attempt > 0 || typeof challenge !== 'string') {
        const link = res.headers.link;
        return { status: res.statusCode, ...(typeof link === 'string' ? { link } : {}), body };
      }
      const c = parseChallenge(challenge);
      if (c.scheme === 'basic') {
        if (!creds) return { status: 401, body: `the registry asks for a login and ${host} has none in the auth file` };
        auth = basic(creds);
      } else if (c.scheme === 'bearer' && c.params.realm) auth = `Bearer ${await this.token(c.params, creds)}`;
      else return { status: 401, body: `unsupported authentication ${c.scheme}` };
    }
  }

  /** Lists every tag of `name` at `endpoint` (following pagination); never throws. */
  async listTags(endpoint: string, name: string): Promise<TagListing> {
    const tags: string[] = [];
    let url: string | undefined = new URL(`/v2/${name}/tags/list?n=${this.o.pageSize ?? 1000}`, endpoint).href;
    try {
      for (let pages = 0; url && pages < 10_000; pages++) {
        const r = await this.get(url);
        if (r.status === 404) return { tags: [], notFound: true };
        if (r.status !== 200) return { error: `HTTP ${r.status} for ${url}${r.body ? `: ${r.body.trim().slice(0, 200)}` : ''}` };
        tags.push(...((JSON.parse(r.body) as { tags?: string[] | null }).tags ?? []));
        url = nextLink(r.link, url);
      }
      return { tags };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { error: `${e.code ?? (e.cause as NodeJS.ErrnoException | undefined)?.code ?? ''} ${e.message}`.trim() };
    }
  }
}
