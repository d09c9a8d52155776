import { hasRole, roleLabels } from '../lib/domain/roles';
import { statusOfFailure } from '../lib/server/http';
import { invalid } from '../lib/server/services/kernel/errors';
import { importSubscribersCsv, MAX_IMPORT_BYTES, type ImportReport } from '../lib/server/services/subscribers/subscriber-csv';
import { addSubscriberByAdmin, removeSubscriber } from '../lib/server/services/subscribers/subscribers';
import { labelOf, type StaffActor } from '../lib/server/services/access/users';
import { handleForm, type FormHandler, type FormRequest, type FormShown } from './form';
import { setNotice } from '../lib/server/notice';
import { fieldText as text, fieldTexts as texts, type FormFailure, type FormValues } from './posted';

const SUBSCRIBERS_PAGE = '/admin/subscribers';
/** The list's query parameters, kept when a row's form sends the admin back to the list. */
const SUBSCRIBER_FILTER_KEYS = ['search', 'state', 'component', 'page'] as const;
/**
 * The import form's whole body: a file of up to MAX_IMPORT_BYTES, or as much pasted text, and
 * room for the multipart framing and the other fields. Every other form keeps readForm's limit.
 */
const MAX_IMPORT_BODY_BYTES = MAX_IMPORT_BYTES + 16 * 1024;

/** The list page with the filters the form was sent from, rebuilt from known keys only. */
function listLocation(filters: unknown): string {
  const kept = new URLSearchParams();
  for (const [key, value] of new URLSearchParams(text(filters))) {
    if ((SUBSCRIBER_FILTER_KEYS as readonly string[]).includes(key)) kept.append(key, value);
  }
  const query = kept.toString();
  return query ? `${SUBSCRIBERS_PAGE}?${query}` : SUBSCRIBERS_PAGE;
}

const addSubscriberForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await addSubscriberByAdmin(context, actor, { email: text(values.email), componentIds: texts(values.componentIds) });
    if (!result.ok) return result;
    return { ok: true, value: { location: SUBSCRIBERS_PAGE, notice: `${result.value.email} was added as a confirmed subscriber.` } };
  },
};

const removeSubscriberForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await removeSubscriber(context, actor, text(values.subscriberId));
    if (!result.ok) return result;
    return {
      ok: true,
      value: { location: listLocation(values.filters), notice: `${result.value.email} was removed and will get no more email.` },
    };
  },
};

/**
 * Imports the chosen file (`file`, its text already decoded) or the pasted rows (`text`); the
 * report is shown by the page that answers the POST.
 */
const importSubscribersForm: FormHandler<ImportReport> = {
  role: 'admin',
  async run({ values, actor, context }) {
    const chosenFile = typeof values.file === 'string';
    const pasted = text(values.text);
    if (chosenFile && pasted.trim() !== '') return invalid({ csv: 'Choose a file or paste rows, not both.' });
    if (!chosenFile && pasted.trim() === '') return invalid({ csv: 'Choose a CSV file or paste its rows.' });
    const result = await importSubscribersCsv(context, actor, chosenFile ? text(values.file) : pasted);
    return result.ok ? { ok: true, value: { shown: result.value } } : result;
  },
};

/**
 * Handles the subscriber page's forms. The import form is the one sent as multipart/form-data
 * (it carries a file): it is read here with its own, larger size limit. The others go through
 * handleForm and its usual limit.
 */
export async function handleSubscriberForms(astro: FormRequest): Promise<Response | FormFailure | FormShown<ImportReport> | null> {
  const type = astro.request.headers.get('content-type') ?? '';
  if (astro.request.method !== 'POST' || !type.startsWith('multipart/form-data')) {
    return handleForm(astro, { add: addSubscriberForm, remove: removeSubscriberForm });
  }
  return handleImportForm(astro, type);
}

async function handleImportForm(astro: FormRequest, type: string): Promise<Response | FormFailure | FormShown<ImportReport>> {
  const intent = 'import';
  const fail = (
    status: number,
    message: string,
    fieldErrors: Record<string, string> = {},
    values: FormValues = { intent },
  ): FormFailure => ({
    intent,
    status,
    message,
    fieldErrors,
    values,
  });
  const handler = importSubscribersForm;
  const user = astro.locals.user;
  if (!user) return astro.redirect('/login', 303);
  if (!hasRole(user.role, handler.role)) {
    return fail(403, `This needs the ${roleLabels[handler.role]} role or above; you are a ${roleLabels[user.role]}.`);
  }
  const body = await readLimitedBody(astro.request, MAX_IMPORT_BODY_BYTES);
  if (body === 'too_large') {
    const message = 'The upload is larger than 1 MB. Split the list into smaller files and import them one by one.';
    return fail(413, message, { csv: message });
  }
  const form = body && (await parseMultipart(body, type));
  if (!form) return fail(400, 'The form could not be read. Please send it again.');
  if (form.get('intent') !== intent) return fail(400, 'Unknown form action.');
  const pasted = form.get('text');
  const values: FormValues = { intent, text: typeof pasted === 'string' ? pasted : '' };
  const file = form.get('file');
  if (file instanceof File && file.name !== '') {
    if (file.size > MAX_IMPORT_BYTES) {
      const message = 'The file is larger than 1 MB. Split it into smaller files and import them one by one.';
      return fail(413, message, { csv: message }, values);
    }
    try {
      values.file = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer());
    } catch {
      const message = 'This is not a CSV file: it is not UTF-8 text. Save the list as CSV (comma-separated values, UTF-8) and try again.';
      return fail(422, message, { csv: message }, values);
    }
  }
  const actor: StaffActor = { userId: user.id, label: labelOf(user), role: user.role };
  const result = await handler.run({ values, actor, context: astro.locals.context });
  if (!result.ok) {
    const fieldErrors = 'fieldErrors' in result.failure ? result.failure.fieldErrors : {};
    return fail(statusOfFailure(result.failure), result.failure.message, fieldErrors, { intent, text: values.text });
  }
  if ('shown' in result.value) return { intent, shown: result.value.shown };
  setNotice(astro.cookies, result.value.notice);
  return astro.redirect(result.value.location, 303);
}

/** The request body, read only up to `limit` bytes whatever Content-Length claims. */
async function readLimitedBody(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | 'too_large' | null> {
  if (Number(request.headers.get('content-length') ?? '0') > limit) return 'too_large';
  if (!request.body) return null;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength;
      if (size > limit) {
        await reader.cancel();
        return 'too_large';
      }
      chunks.push(chunk.value);
    }
  } catch {
    return null;
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

async function parseMultipart(body: Uint8Array<ArrayBuffer>, type: string): Promise<FormData | null> {
  try {
    return await new Response(body, { headers: { 'content-type': type } }).formData();
  } catch {
    return null;
  }
}
