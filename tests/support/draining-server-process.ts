/**
 * A web server stopped the way scripts/server.ts stops on SIGTERM (src/lib/server/shutdown.ts),
 * for tests/integration/clean-shutdown.test.ts. It prints `port <n>` once listening and `held`
 * when a request to /slow arrives; that request is answered when a line arrives on standard
 * input, so the test decides when the in-flight request ends. Any other path answers at once.
 *
 *   tsx tests/support/draining-server-process.ts
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { drainableServer, onStopSignals, SHUTDOWN_GRACE_MS, stoppedLine } from '../../src/lib/server/shutdown';

const held: http.ServerResponse[] = [];
process.stdin.on('data', () => {
  for (const response of held.splice(0)) response.end('slow answer');
});

const server = http.createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  if (request.url !== '/slow') {
    response.end('quick answer');
    return;
  }
  held.push(response);
  console.log('held');
});
const requests = drainableServer(server);
server.listen(0, '127.0.0.1', () => {
  console.log(`port ${String((server.address() as AddressInfo).port)}`);
});

// A second signal counts at once here, where scripts/server.ts ignores one within a second (the
// duplicate Ctrl-C that npm forwards): the test sends its second signal right after the first.
onStopSignals(
  async (signal) => {
    console.log(`${signal}: draining`);
    const drained = await requests.drain(SHUTDOWN_GRACE_MS);
    process.stdin.destroy();
    console.log(stoppedLine({ requests: drained }));
    process.exit(0);
  },
  { sameStopWithinMs: 0 },
);
