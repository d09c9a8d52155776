import { config } from '../lib/server/config';
import {
  reenableChatSubscriber,
  removeChatSubscriber,
  sendChatSubscriberTest,
} from '../lib/server/services/chat-subscribers/chat-subscriber-admin';
import { guardedHttp } from '../lib/server/services/webhooks/outbound-http';
import type { FormHandler } from './form';
import { fieldText } from './posted';

const PAGE = '/admin/subscribers/chat';

/** The admin page's forms: remove a chat subscriber, re-enable a disabled one, send one a test message. */
export const chatSubscriberAdminForms: Record<string, FormHandler> = {
  remove: {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await removeChatSubscriber(context, actor, fieldText(values.subscriberId));
      return result.ok
        ? { ok: true, value: { location: PAGE, notice: `Removed the ${result.value.platformLabel} subscriber ${result.value.target}.` } }
        : result;
    },
  },
  reenable: {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await reenableChatSubscriber(context, actor, fieldText(values.subscriberId));
      return result.ok
        ? {
            ok: true,
            value: {
              location: PAGE,
              notice: `${result.value.platformLabel} ${result.value.target} is active again: it gets the next update.`,
            },
          }
        : result;
    },
  },
  test: {
    role: 'admin',
    async run({ values, context }) {
      const result = await sendChatSubscriberTest(context, {
        id: fieldText(values.subscriberId),
        http: guardedHttp,
        publicUrl: config().publicUrl,
      });
      return result.ok
        ? { ok: true, value: { location: PAGE, notice: `Test message delivered to ${result.value.platformLabel} ${result.value.target}.` } }
        : result;
    },
  },
};
