/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    requestId: string;
    clientAddress: string;
    context: import('./lib/server/services/kernel/context').ServiceContext;
    /** The signed-in staff member, if any. */
    user: import('./lib/server/auth/session').SessionUser | null;
    sessionId: string | null;
    /** The one-time message the previous form left, on the pages that show it (see middleware.ts). */
    notice: string | null;
    /** PUBLIC_URL, for canonical links in the layouts. */
    publicUrl: string;
  }
}
