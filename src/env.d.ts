/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    requestId: string;
    clientAddress: string;
    /** The key the client counts under in rate limits: the address, or its /64 for IPv6. */
    clientKey: string;
    context: import('./lib/server/services/kernel/context').ServiceContext;
    /** The signed-in staff member, if any. */
    user: import('./lib/server/auth/session').SessionUser | null;
    sessionId: string | null;
    /** When the session last proved who its user is (sign-in or re-authentication); null when signed out. */
    sessionVerifiedAt: Date | null;
    /** The one-time message the previous form left, on the pages that show it (see middleware.ts). */
    notice: string | null;
    /** PUBLIC_URL, for canonical links in the layouts. */
    publicUrl: string;
  }
}
