import http from 'node:http';

export interface LoadResult {
  /** Answers with status 200. */
  requests: number;
  /** Answers with another status, and requests that failed without one. */
  errors: number;
  /** How many answers had each status; 0 counts requests that got none (socket errors, timeouts). */
  statuses: Record<number, number>;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** One answer, as `onAnswer` sees it; status 0 when the request failed without one. */
export interface LoadAnswer {
  url: string;
  status: number;
  headers: http.IncomingHttpHeaders;
  /** performance.now() when the answer ended. */
  at: number;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

/**
 * Keeps `connections` keep-alive requests in flight for `seconds`, and measures. With several
 * URLs each connection takes them in turn; `onAnswer` sees every answer (for counting headers).
 */
export async function runLoad(
  urls: string | string[],
  options: {
    connections: number;
    seconds: number;
    headers?: http.OutgoingHttpHeaders;
    onAnswer?: (answer: LoadAnswer) => void;
  },
): Promise<LoadResult> {
  const list = Array.isArray(urls) ? urls : [urls];
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;

  const requestOnce = (url: string) =>
    new Promise<void>((resolve) => {
      const sent = performance.now();
      let settled = false;
      const settle = (status: number, headers: http.IncomingHttpHeaders) => {
        if (settled) return;
        settled = true;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 200) latencies.push(performance.now() - sent);
        else errors += 1;
        options.onAnswer?.({ url, status, headers, at: performance.now() });
        resolve();
      };
      const request = http.get(url, { agent, headers: options.headers }, (response) => {
        response.on('data', () => {});
        response.on('end', () => settle(response.statusCode ?? 0, response.headers));
        response.on('error', () => settle(0, {}));
      });
      request.setTimeout(30_000, () => request.destroy(new Error('timed out')));
      request.on('error', () => settle(0, {}));
    });

  const worker = async (index: number) => {
    for (let turn = index; performance.now() < deadline; turn += 1) await requestOnce(list[turn % list.length]!);
  };
  await Promise.all(Array.from({ length: options.connections }, (_, index) => worker(index)));
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    statuses,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}
