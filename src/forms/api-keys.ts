import type { z } from 'zod';
import { roleLabels } from '../lib/domain/roles';
import { createApiKey, createApiKeyInput, revokeApiKey, type ApiKeySummary } from '../lib/server/services/access/api-keys';
import { invalid, success, type ServiceResult } from '../lib/server/services/kernel/errors';
import { parseInput } from '../lib/server/services/kernel/validation';
import { type FormHandler } from './form';
import { isTicked, fieldText as text } from './posted';

export type ApiKeyState = 'Active' | 'Revoked' | 'Expired';

/** A key's state in words: revoked wins over expired, which wins over active. */
export function apiKeyState(key: Pick<ApiKeySummary, 'revokedAt' | 'expiresAt'>, now: Date): ApiKeyState {
  if (key.revokedAt) return 'Revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'Expired';
  return 'Active';
}

/** The message for days that are not a whole number; the service checks the range. */
export const EXPIRY_DAYS_MESSAGE = 'Enter a whole number of days from 1 to 3650, or leave it blank for a key that never expires.';

export type ApiKeyInput = z.input<typeof createApiKeyInput>;

/**
 * Typed text (a form's fields, a command's flags) as the service's input, checked with the
 * service's schema. Days must be blank (never expires) or digits: anything else is refused here
 * with a clear message, since the service's schema names only the range. No days at all means
 * the default (90); `neverExpires` wins over any days typed. All problems come back together,
 * keyed by field.
 */
export function apiKeyInputOf(typed: {
  name: string;
  role: string;
  expiresInDays: string | undefined;
  neverExpires?: boolean;
}): ServiceResult<ApiKeyInput> {
  const days = typed.neverExpires ? '' : typed.expiresInDays?.trim();
  const daysTyped = days === undefined || /^\d{0,9}$/.test(days);
  const input: ApiKeyInput = { name: typed.name, role: typed.role as ApiKeyInput['role'], expiresInDays: daysTyped ? days : null };
  const parsed = parseInput(createApiKeyInput, input);
  const fieldErrors: Record<string, string> = !parsed.ok && 'fieldErrors' in parsed.failure ? { ...parsed.failure.fieldErrors } : {};
  if (!daysTyped) fieldErrors.expiresInDays = EXPIRY_DAYS_MESSAGE;
  return Object.keys(fieldErrors).length > 0 ? invalid(fieldErrors) : success(input);
}

/** A key just made, shown once in the answer to the POST that made it: never stored, never shown again. */
export interface CreatedApiKey {
  token: string;
  name: string;
  role: ApiKeySummary['role'];
  expiresAt: Date | null;
}

/** A key acts with its role for as long as it lives: making one needs a fresh proof of who you are. */
export const createApiKeyForm: FormHandler<CreatedApiKey> = {
  role: 'admin',
  reauthenticate: true,
  async run({ values, actor, context }) {
    const input = apiKeyInputOf({
      name: text(values.name),
      role: text(values.role),
      expiresInDays: text(values.expiresInDays),
      neverExpires: isTicked(values.neverExpires),
    });
    if (!input.ok) return input;
    const result = await createApiKey(context, actor, input.value);
    if (!result.ok) return result;
    const { key, token } = result.value;
    return { ok: true, value: { shown: { token, name: key.name, role: key.role, expiresAt: key.expiresAt } } };
  },
};

export const revokeApiKeyForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await revokeApiKey(context, actor, text(values.keyId));
    if (!result.ok) return result;
    const key = result.value;
    return {
      ok: true,
      value: {
        location: '/admin/api-keys',
        notice: `The ${roleLabels[key.role]} key "${key.name}" is revoked: requests made with it are refused from now on.`,
      },
    };
  },
};
