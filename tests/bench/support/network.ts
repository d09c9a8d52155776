/**
 * Talking to the servers a benchmark starts on loopback: a free port, one request read as sent
 * (status, headers and the body's bytes, never decoded), and waiting until a URL answers 200.
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as it came over the wire: still brotli when `Content-Encoding: br`. */
  body: Buffer;
}

/** A TCP port on 127.0.0.1 that nothing listens on just now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One GET (or `method`) without keep-alive, the body left as sent. */
export function rawRequest(url: string, options: { headers?: http.OutgoingHttpHeaders; method?: string; timeoutMs?: number } = {}) {
  return new Promise<RawAnswer>((resolve, reject) => {
    const request = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.setTimeout(options.timeoutMs ?? 10_000, () => request.destroy(new Error(`${url} did not answer in time`)));
    request.on('error', reject);
    request.end();
  });
}

/** A header's value as one string ('' when absent). */
export function headerOf(headers: http.IncomingHttpHeaders, name: string): string {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/**
 * Polls `url` until it answers 200 (or `accept` says yes), failing after `timeoutMs`, or as soon
 * as `process` exits (a server that stopped will never answer).
 */
export async function waitForAnswer(
  url: string,
  options: { timeoutMs: number; process?: ChildProcess; accept?: (answer: RawAnswer) => boolean },
): Promise<RawAnswer> {
  const deadline = Date.now() + options.timeoutMs;
  const accept = options.accept ?? ((answer: RawAnswer) => answer.status === 200);
  let last = 'no answer';
  while (Date.now() < deadline) {
    const child = options.process;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`the process serving ${url} exited (${child.exitCode ?? child.signalCode ?? '?'}) before it answered`);
    }
    try {
      const answer = await rawRequest(url, { timeoutMs: 2_000 });
      if (accept(answer)) return answer;
      last = `status ${answer.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer as expected within ${options.timeoutMs} ms (last: ${last})`);
}
