/**
 * Load from wrk (Debian's `wrk`): requests per second and latency percentiles at a number of
 * keep-alive connections. Run asynchronously, so whatever else lives in the benchmark's process
 * (an SMTP sink taking a fan-out's messages) keeps being served meanwhile.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireProgram } from './system-programs';

const run = promisify(execFile);

export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx or 3xx, and socket errors (connect, read, write, timeout). */
  failures: number;
}

function milliseconds(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  const scale: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
  return value * (scale[match[2]!] ?? Number.NaN);
}

/** Reads wrk's `--latency` report. */
function parseWrkOutput(output: string): WrkResult {
  const percentile = (label: string) => milliseconds(new RegExp(`^\\s*${label}%\\s+(\\S+)`, 'm').exec(output)?.[1]);
  const nonSuccess = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0;
  return {
    requests: Number(/^\s*(\d+) requests in/m.exec(output)?.[1] ?? 0),
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0),
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    failures: nonSuccess + errors,
  };
}

/** `threads` defaults to 1: on a small machine the other cores belong to the server under test. */
export async function runWrk(
  url: string,
  options: { connections: number; seconds: number; threads?: number; headers?: Record<string, string> },
): Promise<WrkResult> {
  const wrk = requireProgram('wrk', 'wrk', ['/usr/bin/wrk']);
  const headerArguments = Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const threads = Math.min(options.threads ?? 1, options.connections);
  const { stdout } = await run(
    wrk,
    [`-t${threads}`, `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '10s', '--latency', ...headerArguments, url],
    { encoding: 'utf8', maxBuffer: 1024 * 1024 },
  );
  return parseWrkOutput(stdout);
}
