import { severities, type Severity } from '../lib/domain/statuses';
import type { ContactRow } from '../lib/server/db/schema';
import { createContact, deleteContact, updateContact } from '../lib/server/services/plan/contacts';
import { type FormHandler } from './form';
import { fieldText as text, fieldTexts as texts, type FormValues } from './posted';

const CONTACTS_PAGE = '/admin/contacts';

/** The contact form's fields as the form shows them. */
export interface ContactFields {
  name: string;
  role: string;
  email: string;
  webhookUrl: string;
  severities: Severity[];
}

export const blankContactFields: ContactFields = { name: '', role: '', email: '', webhookUrl: '', severities: [] };

/** The posted severities, passed on as-is (the service's schema rejects anything else). */
function postedSeverities(values: FormValues): Severity[] {
  return texts(values.severities) as Severity[];
}

export function postedContactFields(values: FormValues): ContactFields {
  return {
    name: text(values.name),
    role: text(values.role),
    email: text(values.email),
    webhookUrl: text(values.webhookUrl),
    severities: postedSeverities(values).filter((item) => (severities as readonly string[]).includes(item)),
  };
}

export function savedContactFields(row: ContactRow): ContactFields {
  return { name: row.name, role: row.role, email: row.email, webhookUrl: row.webhookUrl ?? '', severities: row.severities };
}

function contactInputOf(values: FormValues) {
  return {
    name: text(values.name),
    role: text(values.role),
    email: text(values.email),
    webhookUrl: text(values.webhookUrl),
    severities: postedSeverities(values),
  };
}

export const createContactForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await createContact(context, actor, contactInputOf(values));
    return result.ok ? { ok: true, value: { location: CONTACTS_PAGE, notice: `Contact “${result.value.name}” added.` } } : result;
  },
};

/** Saves the contact whose edit page posted; its id comes from the page address, not the form. */
export function updateContactForm(id: string): FormHandler {
  return {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await updateContact(context, actor, id, contactInputOf(values));
      return result.ok ? { ok: true, value: { location: CONTACTS_PAGE, notice: `Contact “${result.value.name}” saved.` } } : result;
    },
  };
}

export const deleteContactForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await deleteContact(context, actor, text(values.id));
    return result.ok
      ? { ok: true, value: { location: CONTACTS_PAGE, notice: `Contact “${result.value.name}” removed: they get no more alerts.` } }
      : result;
  },
};
