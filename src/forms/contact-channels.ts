import { contactChannelKindLabels, type ContactChannelKind } from '../lib/domain/chat/channel-kinds';
import { config } from '../lib/server/config';
import {
  addContactChannel,
  enableContactChannel,
  removeContactChannel,
  sendContactChannelTest,
} from '../lib/server/services/plan/contact-channels';
import { guardedHttp } from '../lib/server/services/webhooks/outbound-http';
import { type FormHandler } from './form';
import { fieldText as text } from './posted';

/** The channel forms on a contact's page; every one goes back to that page. */
const contactPage = (contactId: string) => `/admin/contacts/${contactId}`;

export function addContactChannelForm(contactId: string): FormHandler {
  return {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await addContactChannel(context, actor, contactId, {
        kind: text(values.kind) as ContactChannelKind,
        target: text(values.target),
        label: text(values.label),
      });
      return result.ok
        ? { ok: true, value: { location: contactPage(contactId), notice: `${contactChannelKindLabels[result.value.kind]} channel added.` } }
        : result;
    },
  };
}

export function removeContactChannelForm(contactId: string): FormHandler {
  return {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await removeContactChannel(context, actor, text(values.channelId));
      return result.ok
        ? {
            ok: true,
            value: { location: contactPage(contactId), notice: `${contactChannelKindLabels[result.value.kind]} channel removed.` },
          }
        : result;
    },
  };
}

export function enableContactChannelForm(contactId: string): FormHandler {
  return {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await enableContactChannel(context, actor, text(values.channelId));
      return result.ok
        ? {
            ok: true,
            value: {
              location: contactPage(contactId),
              notice: `${contactChannelKindLabels[result.value.kind]} channel re-enabled: it gets the next alert.`,
            },
          }
        : result;
    },
  };
}

export function testContactChannelForm(contactId: string): FormHandler {
  return {
    role: 'admin',
    async run({ values, context }) {
      const result = await sendContactChannelTest(context, {
        id: text(values.channelId),
        http: guardedHttp,
        publicUrl: config().publicUrl,
      });
      return result.ok
        ? { ok: true, value: { location: contactPage(contactId), notice: `Test message delivered to ${result.value.description}.` } }
        : result;
    },
  };
}
