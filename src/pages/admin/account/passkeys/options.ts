import type { APIRoute } from 'astro';
import { passkeyRegistrationOptionsAnswer } from '../../../../forms/passkeys';

/** The options the add-a-passkey form's script hands the browser (JSON, with a one-time challenge kept on the session). */
export const POST: APIRoute = (context) => passkeyRegistrationOptionsAnswer(context);
