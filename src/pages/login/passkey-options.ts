import type { APIRoute } from 'astro';
import { pendingPasskeyOptionsAnswer } from '../../forms/passkeys';

/** The options for signing in with a passkey after the password (JSON, with a one-time challenge kept on the half-finished sign-in). */
export const POST: APIRoute = (context) => pendingPasskeyOptionsAnswer(context);
