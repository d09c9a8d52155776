/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    requestId: string;
    clientAddress: string;
    context: import('./lib/server/services/kernel/context').ServiceContext;
    /** The signed-in staff member, if any. */
    user: import('./lib/server/auth/session').SessionUser | null;
    sessionId: string | null;
  }
}
