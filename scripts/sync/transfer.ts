/**
 * The transfer engine of `sync`: HTTP(S) through undici (keep-alive, a connection cap per
 * host, TLS client certificate/key and CA from a `.repo`'s sslclientcert/sslclientkey/
 * sslcacert, `HTTP(S)_PROXY`/`NO_PROXY` through its EnvHttpProxyAgent) and `file://` through
 * the file system; redirects are followed (5 at most). Retries with exponential backoff (p-retry) on 5xx, 408, 429, resets and
 * timeouts. A download goes to `<dest>.part`, resumes from the bytes already there with an
 * HTTP `Range` request (after an interruption in this run or a killed earlier run), is
 * checked against its size and checksum (sha256, sha1 or sha512 as the repodata says), and
 * only then renamed to `dest`: no partial or wrong file ever sits at a final path.
 */
import { createHash } from 'node:crypto';
import {
  closeSync, constants, createReadStream, lstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync,
} from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pRetry, { AbortError } from 'p-retry';
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';
import { nodeHash } from '../formats/format.ts';

/** TLS files of one upstream (paths), and whether the server certificate is verified. */
export interface TlsFiles { sslclientcert?: string; sslclientkey?: string; sslcacert?: string; sslverify?: boolean }

/** Transfer settings: connections per host, timeout in seconds, retries after the first attempt. */
export interface TransferOptions { perHost: number; timeoutSeconds: number; retries: number; tls?: TlsFiles }

/** What a file must be: size in bytes (if known) and its checksum as the repodata gives it. */
export interface Expected { size?: number; checksumType: string; checksum: string }

/** Why a transfer failed; `kind` picks the message and the advice (see errors/catalogue.ts). */
export type TransferFailure = 'http' | 'network' | 'timeout' | 'checksum' | 'disk' | 'signature';

/** A failed transfer: the URL, the kind, the HTTP status if any, and the detail. */
export class TransferError extends Error {
  readonly url: string;
  readonly kind: TransferFailure;
  readonly status: number | undefined;

  constructor(url: string, kind: TransferFailure, message: string, status?: number) {
    super(message);
    this.name = 'TransferError';
    this.url = url;
    this.kind = kind;
    this.status = status;
  }
}

/** A `.part` is opened for writing without following a link (one planted there cannot redirect the bytes). */
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW;

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'ENAMETOOLONG']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT']);

/** Classifies any error of an attempt as a TransferError (disk errors never retried). */
function classify(url: string, err: unknown): TransferError {
  if (err instanceof TransferError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? (e.cause as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (e.path || (DISK_CODES.has(code) && e.syscall !== 'connect')) return new TransferError(url, 'disk', e.message);
  if (TIMEOUT_CODES.has(code)) return new TransferError(url, 'timeout', `no data within the timeout (${code})`);
  return new TransferError(url, 'network', code ? `${code}: ${e.message}` : e.message);
}

const retryable = (e: TransferError) =>
  e.kind === 'network' || e.kind === 'timeout' || (e.kind === 'http' && RETRY_STATUS.has(e.status ?? 0));

/** Result of one download: bytes received over the network in this call, and whether it resumed a `.part`. */
export interface Downloaded { bytesFetched: number; resumed: boolean }

/** One upstream's connection pool and retry policy. Call close() when done. */
export class Transfer {
  private readonly agent: Dispatcher;
  private readonly o: TransferOptions;

  /** Reads the TLS files now; throws an Error naming an unreadable one. */
  static async create(o: TransferOptions): Promise<Transfer> {
    const tls: Record<string, Buffer | boolean> = {};
    for (const [key, opt] of [['cert', 'sslclientcert'], ['key', 'sslclientkey'], ['ca', 'sslcacert']] as const) {
      const file = o.tls?.[opt];
      if (!file) continue;
      try {
        tls[key] = await readFile(file);
      } catch (err) {
        throw new Error(`${opt} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
      }
    }
    if (o.tls?.sslverify === false) tls.rejectUnauthorized = false;
    return new Transfer(o, tls);
  }

  private constructor(o: TransferOptions, tls: Record<string, Buffer | boolean>) {
    this.o = o;
    const ms = o.timeoutSeconds * 1000;
    this.agent = new EnvHttpProxyAgent({
      connections: o.perHost, headersTimeout: ms, bodyTimeout: ms, connectTimeout: ms, keepAliveTimeout: 30_000,
      connect: tls, requestTls: tls,
    }).compose(interceptors.redirect({ maxRedirections: 5 })); // CDNs send downloads to an edge host
  }

  /** Ends every connection (the run is over: nothing is in flight that matters). */
  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private retry<T>(url: string, attempt: () => Promise<T>): Promise<T> {
    return pRetry(async () => {
      try {
        return await attempt();
      } catch (err) {
        const e = classify(url, err);
        throw retryable(e) ? e : new AbortError(e);
      }
    }, { retries: this.o.retries, minTimeout: 500, factor: 2, maxTimeout: 30_000, randomize: true });
  }

  /** Opens `url` from byte `offset`: status (206 when a Range was honoured), headers, body. */
  private async get(url: string, offset: number): Promise<{ status: number; range?: string; body: Readable }> {
    if (url.startsWith('file:')) {
      const path = fileURLToPath(url);
      await stat(path).catch((err) => { throw new TransferError(url, 'http', `${err.code}`, 404); });
      const body = createReadStream(path, { start: offset });
      return { status: offset ? 206 : 200, range: offset ? `bytes ${offset}-` : undefined, body };
    }
    const res = await request(url, {
      dispatcher: this.agent, method: 'GET', headers: offset ? { range: `bytes=${offset}-` } : {},
    });
    if (res.statusCode >= 300 && !(res.statusCode === 416 && offset)) {
      await res.body.dump().catch(() => {});
      throw new TransferError(url, 'http', `HTTP ${res.statusCode}`, res.statusCode);
    }
    const range = res.headers['content-range'];
    return { status: res.statusCode, range: typeof range === 'string' ? range : undefined, body: res.body };
  }

  /** Fetches a small file whole into memory (repomd.xml and its signature), with retries; a body over `maxBytes` is a TransferError. */
  async fetchBytes(url: string, maxBytes = 4 << 20): Promise<Buffer> {
    return this.retry(url, async () => {
      const { body } = await this.get(url, 0);
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const c of body) {
        n += (c as Buffer).length;
        if (n > maxBytes) {
          body.destroy();
          throw new TransferError(url, 'http', `the server sent more than ${maxBytes} bytes; this is not a small metadata file`);
        }
        chunks.push(c as Buffer);
      }
      return Buffer.concat(chunks);
    });
  }

  /**
   * Fetches a small file that upstream may not publish (a signature, a key, a Release file): its bytes,
   * or undefined on a 404. Any other failure throws the TransferError, as fetchBytes does.
   */
  async fetchIfPresent(url: string, maxBytes?: number): Promise<Buffer | undefined> {
    try {
      return await this.fetchBytes(url, maxBytes);
    } catch (err) {
      if (err instanceof TransferError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Downloads `url` to `dest` through `dest.part` (see the module comment). `onBytes` gets
   * each chunk's length as it arrives; `check` may refuse the verified bytes before they are
   * renamed into place (a package signature). Throws TransferError (kind `checksum` when the
   * bytes do not match `expect`, `signature` when `check` refuses them; the `.part` is then removed).
   */
  async download(url: string, dest: string, expect: Expected, onBytes: (n: number) => void = () => {},
    check?: (part: string) => Promise<string | undefined>): Promise<Downloaded> {
    const part = `${dest}.part`;
    mkdirSync(dirname(dest), { recursive: true });
    const result: Downloaded = { bytesFetched: 0, resumed: false };
    await this.retry(url, () => this.attempt(url, part, expect, result, onBytes)).catch(async (err) => {
      // a .part that cannot be written any further only holds space the other files need
      if (err instanceof TransferError && err.kind === 'disk') await rm(part, { force: true }).catch(() => {});
      // (a .part that is a directory stays: it is named in the error, for the user to remove)
      throw err;
    });
    const problem = await check?.(part);
    if (problem) {
      await rm(part, { force: true });
      throw new TransferError(url, 'signature', problem);
    }
    renameSync(part, dest);
    return result;
  }

  /** One attempt of download(): resume or start `part`, stream, verify. */
  private async attempt(url: string, part: string, expect: Expected, result: Downloaded, onBytes: (n: number) => void):
    Promise<void> {
    const st = lstatSync(part, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw new TransferError(url, 'disk', `${part} is not a regular file; remove it`);
    let offset = st?.size ?? 0;
    if (expect.size !== undefined && offset > expect.size) offset = 0;
    let body: Readable | undefined;
    if (expect.size === undefined || offset < expect.size) {
      const got = await this.get(url, offset);
      if (got.status === 416) {
        got.body.destroy();
        await rm(part, { force: true });
        throw new TransferError(url, 'network', 'range not satisfiable; fetching again from the start');
      }
      const resumed = offset > 0 && got.status === 206 && !!got.range?.startsWith(`bytes ${offset}-`);
      if (!resumed) offset = 0; // a server that ignores Range sends the whole file (200)
      result.resumed ||= resumed;
      body = got.body;
    }
    const hash = createHash(nodeHash(expect.checksumType));
    if (offset) {
      await pipeline(createReadStream(part, { end: offset - 1 }), async (src) => {
        for await (const c of src) hash.update(c as Buffer);
      });
    }
    let size = offset;
    if (body) {
      // Synchronous calls: each chunk is in the page cache (in the .part after a kill -9) at once,
      // and no thread-pool round trip per call, which dominated thousands of small files (an
      // asynchronous open, several at once, was slower still: 1.5 s against 1.3 s for 1,000).
      let fd: number | undefined;
      try {
        fd = openSync(part, WRITE_FLAGS | (offset ? constants.O_APPEND : constants.O_TRUNC), 0o644);
        for await (const c of body as AsyncIterable<Buffer>) {
          size += c.length;
          if (expect.size !== undefined && size > expect.size) {
            throw new TransferError(url, 'checksum', `more than the ${expect.size} bytes upstream's index gives`);
          }
          hash.update(c);
          for (let at = 0; at < c.length;) at += writeSync(fd, c, at);
          result.bytesFetched += c.length;
          onBytes(c.length);
        }
      } catch (err) {
        body.destroy(); // an unread body would hold its connection open
        if (err instanceof TransferError) rmSync(part, { force: true });
        throw err;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    }
    if (expect.size !== undefined && size < expect.size) {
      throw new TransferError(url, 'network', `connection closed after ${size} of ${expect.size} bytes`);
    }
    const actual = hash.digest('hex');
    if (actual === expect.checksum.toLowerCase()) return;
    await rm(part, { force: true });
    if (offset) throw new TransferError(url, 'network', 'the resumed file did not verify; fetching it again');
    const what = `${expect.checksumType} is ${actual}, upstream's index says ${expect.checksum}`;
    throw new TransferError(url, 'checksum', what);
  }
}

/** True when `path` is a regular file (not a link) of the expected size whose checksum is `expect`'s. */
export async function fileMatches(path: string, expect: Expected): Promise<boolean> {
  const st = lstatSync(path, { throwIfNoEntry: false }); // never open a FIFO or device: it could block
  if (!st?.isFile() || (expect.size !== undefined && st.size !== expect.size)) return false;
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (!fh) return false;
  try {
    const s = await fh.stat();
    if (!s.isFile() || (expect.size !== undefined && s.size !== expect.size)) return false;
    const hash = createHash(nodeHash(expect.checksumType));
    for await (const c of Readable.from(fh.createReadStream({ autoClose: false }))) hash.update(c as Buffer);
    return hash.digest('hex') === expect.checksum.toLowerCase();
  } finally {
    await fh.close();
  }
}
