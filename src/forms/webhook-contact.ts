import { checkContactConfirmation, confirmWebhookContact } from '../lib/server/services/webhooks/webhook-contact';
import type { FormRequest } from './form';

export type ContactLinkState =
  { kind: 'ask'; email: string; url: string } | { kind: 'confirmed'; email: string; url: string } | { kind: 'gone' };

/**
 * The link in a webhook contact's confirmation email: GET shows what is asked (mail scanners
 * open links before people do), and only the button's POST confirms.
 */
export async function webhookContactLink(astro: FormRequest, token: string): Promise<ContactLinkState> {
  const context = astro.locals.context;
  if (astro.request.method === 'POST') {
    const result = await confirmWebhookContact(context, token);
    return result.ok ? { kind: 'confirmed', ...result.value } : { kind: 'gone' };
  }
  const pending = await checkContactConfirmation(context, token);
  return pending ? { kind: 'ask', ...pending } : { kind: 'gone' };
}
