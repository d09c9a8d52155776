import { config } from './config';
import { systemClock } from './clock';
import { database } from './db';
import type { ServiceContext } from './services/context';

/** The service context requests run with: the process's database and the system clock. */
export async function requestContext(): Promise<ServiceContext> {
  return { db: await database(), clock: systemClock };
}

/** Origins a form or JSON request may come from: PUBLIC_URL's, and the address it was sent to. */
export function allowedOrigins(requestUrl: URL): string[] {
  return [...new Set([new URL(config().publicUrl).origin, requestUrl.origin])];
}
