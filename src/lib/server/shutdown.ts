/**
 * A clean stop on SIGTERM or SIGINT (a deploy, a restart): the web server stops accepting and
 * lets the requests in flight finish, the worker finishes or hands back the jobs in hand, all
 * within a bounded grace; a second signal stops at once.
 */
import type http from 'node:http';
import type { WorkerStopReport } from './jobs/worker';

/** How long requests and jobs in flight get to finish before the process stops anyway (under the usual 30 s of a container stop). */
export const SHUTDOWN_GRACE_MS = 25_000;

/** What became of the requests in flight when the server began to stop. */
interface DrainReport {
  finished: number;
  /** Still unanswered when the grace ran out: their connections were closed. */
  cut: number;
}

interface DrainableServer {
  /** Stops accepting; closes idle keep-alive connections at once and the others as their answer ends; forces after `graceMs`. */
  drain(graceMs: number): Promise<DrainReport>;
}

/** Tracks the requests `server` is answering, so that a stop can wait for them. Call it before the server listens. */
export function drainableServer(server: http.Server): DrainableServer {
  const inFlight = new Set<http.ServerResponse>();
  let draining = false;
  let finished = 0;
  server.on('request', (_request: http.IncomingMessage, response: http.ServerResponse) => {
    inFlight.add(response);
    // A request that came on a connection already open: answered, then the connection closes.
    if (draining) response.shouldKeepAlive = false;
    response.once('close', () => {
      inFlight.delete(response);
      if (!draining) return;
      if (response.writableFinished) finished += 1;
      server.closeIdleConnections();
    });
  });
  return {
    async drain(graceMs) {
      draining = true;
      for (const response of inFlight) if (!response.headersSent) response.shouldKeepAlive = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace over'>((resolve) => (timer = setTimeout(() => resolve('grace over'), graceMs)));
      const outcome = await Promise.race([closed, graceOver]);
      clearTimeout(timer);
      const cut = outcome === 'grace over' ? inFlight.size : 0;
      if (outcome === 'grace over') server.closeAllConnections();
      return { finished, cut };
    },
  };
}

/**
 * A signal this soon after the first is the same stop delivered twice: Ctrl-C under `npm run`
 * reaches Herald from the terminal and again from npm, which forwards it.
 */
const SAME_STOP_WITHIN_MS = 1_000;

/**
 * Calls `stop` on the first SIGTERM or SIGINT; a second one during the stop exits at once
 * (what is still running is left to the next start: jobs are retried when they expire).
 */
export function onStopSignals(stop: (signal: NodeJS.Signals) => Promise<void>, options: { sameStopWithinMs?: number } = {}): void {
  let firstAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      void stop(signal);
      return;
    }
    if (Date.now() - firstAt < (options.sameStopWithinMs ?? SAME_STOP_WITHIN_MS)) return;
    console.error(`${signal} again: stopping at once.`);
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

const counted = (count: number, one: string, many: string) => `${String(count)} ${count === 1 ? one : many}`;

/** The line a stop ends with: "stopped: 3 requests finished, 1 job handed back". */
export function stoppedLine(report: { requests?: DrainReport; jobs?: WorkerStopReport }): string {
  const parts: string[] = [];
  if (report.requests) {
    parts.push(`${counted(report.requests.finished, 'request', 'requests')} finished`);
    if (report.requests.cut > 0) parts.push(`${counted(report.requests.cut, 'request', 'requests')} cut off at the end of the grace`);
  }
  if (report.jobs) {
    parts.push(`${counted(report.jobs.finished, 'job', 'jobs')} finished`, `${counted(report.jobs.handedBack, 'job', 'jobs')} handed back`);
    if (report.jobs.interrupted > 0)
      parts.push(`${counted(report.jobs.interrupted, 'job', 'jobs')} still running at the end of the grace (pg-boss retries them)`);
  }
  return `stopped: ${parts.length > 0 ? parts.join(', ') : 'nothing was in flight'}`;
}
