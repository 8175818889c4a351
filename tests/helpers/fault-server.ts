/**
 * A small HTTP server on 127.0.0.1 for sync fault tests: serves files of a directory (with
 * Range requests, 206 and Content-Range, as nginx does) and injects faults per path: an
 * error status for the first N requests, a connection cut after some bytes, corrupted bytes,
 * response headers held back (a stalled server), or a throttled body. Every request is logged.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A fault for one path; `times` counts the requests it applies to (default: all). */
export type Fault =
  | { kind: 'status'; status: number; times?: number }
  | { kind: 'cut'; afterBytes: number; times?: number }
  | { kind: 'corrupt'; times?: number }
  | { kind: 'stall'; ms: number; times?: number }
  | { kind: 'throttle'; bytesPerSecond: number; times?: number };

/** One logged request: path, Range header if any, status sent. */
export interface LoggedRequest { path: string; range?: string; status: number }

/** A running fault server; `url` ends with '/'. Set `faults` by path (e.g. '/multi/repodata/repomd.xml'). */
export interface FaultServer { url: string; log: LoggedRequest[]; faults: Map<string, Fault>; stop(): Promise<void> }

/** Serves `root` until stop(). */
export async function startFaultServer(root: string): Promise<FaultServer> {
  const log: LoggedRequest[] = [];
  const faults = new Map<string, Fault>();
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const range = req.headers.range;
    const entry: LoggedRequest = { path, status: 0, ...(range ? { range } : {}) };
    log.push(entry);
    const fault = faults.get(path);
    const active = fault && (fault.times === undefined || fault.times > 0);
    if (active && fault.times !== undefined) fault.times--;
    const send = (status: number) => { entry.status = status; return status; };
    if (active && fault.kind === 'stall') await new Promise((r) => setTimeout(r, fault.ms));
    if (res.destroyed) return;
    if (active && fault.kind === 'status') { res.writeHead(send(fault.status)).end('fault\n'); return; }
    let data: Buffer;
    try {
      data = await readFile(join(root, path));
    } catch {
      res.writeHead(send(404)).end('not found\n');
      return;
    }
    if (active && fault.kind === 'corrupt') { data = Buffer.from(data); data[data.length >> 1]! ^= 0xff; }
    let start = 0;
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      start = Number(m[1]);
      if (start >= data.length) { res.writeHead(send(416), { 'content-range': `bytes */${data.length}` }).end(); return; }
      res.writeHead(send(206), { 'content-length': data.length - start, 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` });
    } else {
      res.writeHead(send(200), { 'content-length': data.length, 'accept-ranges': 'bytes' });
    }
    const body = data.subarray(start);
    if (active && fault.kind === 'cut') {
      res.write(body.subarray(0, fault.afterBytes), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    if (active && fault.kind === 'throttle') {
      const step = Math.max(1, Math.floor(fault.bytesPerSecond / 10));
      for (let i = 0; i < body.length && !res.destroyed; i += step) {
        res.write(body.subarray(i, i + step));
        await new Promise((r) => setTimeout(r, 100));
      }
      res.end();
      return;
    }
    res.end(body);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`, log, faults,
    stop: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}
