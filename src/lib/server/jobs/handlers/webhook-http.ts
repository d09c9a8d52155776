import { createHmac } from 'node:crypto';
import type { OutboundHttp, PostOutcome } from '../../services/webhooks/outbound-http';
import type { TargetPolicy } from '../../services/webhooks/webhook-targets';

/**
 * How Herald POSTs to a webhook subscriber: through the guarded client, signed with the
 * subscriber's secret. Shared by the verification request and every delivery.
 */

const WEBHOOK_USER_AGENT = 'Herald-Webhooks';
const TIMESTAMP_HEADER = 'Herald-Webhook-Timestamp';
const SIGNATURE_HEADER = 'Herald-Webhook-Signature';

/** `v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>` keyed with the subscriber's secret. */
function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** POSTs `body` to a subscriber's `url`, with the timestamp and signature headers of `now`. */
export function postSignedWebhook(
  http: OutboundHttp,
  options: { url: string; body: string; secret: string; policy: TargetPolicy; now: Date },
): Promise<PostOutcome> {
  const timestamp = Math.floor(options.now.getTime() / 1000);
  return http.post({
    url: options.url,
    body: options.body,
    policy: options.policy,
    headers: {
      'User-Agent': WEBHOOK_USER_AGENT,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: webhookSignature(options.secret, timestamp, options.body),
    },
  });
}
