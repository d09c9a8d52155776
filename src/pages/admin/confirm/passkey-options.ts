import type { APIRoute } from 'astro';
import { sessionPasskeyOptionsAnswer } from '../../../forms/passkeys';

/** The options for confirming it is you with a passkey while signed in (JSON, with a one-time challenge kept on the session). */
export const POST: APIRoute = (context) => sessionPasskeyOptionsAnswer(context);
