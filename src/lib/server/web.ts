import { config } from './config';
import { processRuntime } from './runtime';
import type { ServiceContext } from './services/kernel/context';

/** The service context requests run with: the process's database, job queue and system clock. */
export async function requestContext(): Promise<ServiceContext> {
  return (await processRuntime(config())).context;
}

/** Origins a form or JSON request may come from: PUBLIC_URL's, and the address it was sent to. */
export function allowedOrigins(requestUrl: URL): string[] {
  return [...new Set([new URL(config().publicUrl).origin, requestUrl.origin])];
}
