import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';

/** A whole answer of the site, held in memory: what the edge stores, compresses and sends. */
export interface CapturedResponse {
  status: number;
  /** Lower-case names; `set-cookie` may repeat, everything else is joined as HTTP allows. */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * A stand-in for `http.ServerResponse` that keeps what the site writes instead of sending it:
 * the Astro Node handler writes its answer through `writeHead`, `write` and `end` (and `setHeader`
 * on a redirect), and listens for `finish` and `close`.
 */
class CapturingResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  private readonly headers = new Map<string, string | string[]>();
  private readonly chunks: Buffer[] = [];

  constructor(
    readonly req: http.IncomingMessage,
    private readonly done: (response: CapturedResponse) => void,
  ) {
    super();
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    this.headers.set(name.toLowerCase(), typeof value === 'number' ? String(value) : typeof value === 'string' ? value : [...value]);
    return this;
  }
  getHeader(name: string): string | string[] | undefined {
    return this.headers.get(name.toLowerCase());
  }
  hasHeader(name: string): boolean {
    return this.headers.has(name.toLowerCase());
  }
  removeHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }

  writeHead(status: number, headers?: http.OutgoingHttpHeaders | readonly string[]): this {
    this.statusCode = status;
    if (headers && !Array.isArray(headers)) {
      for (const [name, value] of Object.entries(headers as http.OutgoingHttpHeaders)) {
        if (value !== undefined) this.setHeader(name, value);
      }
    }
    this.headersSent = true;
    return this;
  }

  write(chunk: string | Uint8Array, callback?: () => void): boolean {
    this.headersSent = true;
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (callback) queueMicrotask(callback);
    return true;
  }

  end(chunk?: string | Uint8Array | (() => void)): this {
    if (this.writableEnded) return this;
    if (chunk !== undefined && typeof chunk !== 'function') this.write(chunk);
    this.writableEnded = true;
    this.headersSent = true;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of this.headers) headers[name] = value;
    this.done({ status: this.statusCode, headers, body: Buffer.concat(this.chunks) });
    this.emit('finish');
    this.emit('close');
    return this;
  }

  destroy(error?: Error): this {
    if (!this.writableEnded) {
      this.writableEnded = true;
      this.done({ status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('Internal Server Error') });
      this.emit('close');
    }
    if (error) this.emit('error', error);
    return this;
  }
}

/** Runs the site's handler for `req` and resolves with its whole answer, sent nowhere. */
export function captureResponse(handler: http.RequestListener, req: http.IncomingMessage): Promise<CapturedResponse> {
  return new Promise((resolve, reject) => {
    const res = new CapturingResponse(req, resolve);
    try {
      // The handler answers through `res`; its own failures become a 500 answer there.
      handler(req, res as unknown as http.ServerResponse);
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/**
 * A GET of `pathAndQuery` as a visitor without cookies would send it, for rendering an answer
 * the edge keeps. It comes from no socket: the site sees no client address.
 */
export function syntheticRequest(pathAndQuery: string, host: string): http.IncomingMessage {
  const request = new http.IncomingMessage(new net.Socket());
  request.method = 'GET';
  request.url = pathAndQuery;
  request.headers = { host, accept: '*/*', 'user-agent': 'Herald edge' };
  request.push(null);
  return request;
}
