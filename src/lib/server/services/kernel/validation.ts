import { z } from 'zod';
import { invalid, success, type ServiceResult } from './errors';

/** Parses service input with zod; each problem becomes a message keyed by its dotted field path. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): ServiceResult<z.output<Schema>> {
  const result = schema.safeParse(input);
  if (result.success) return success(result.data);
  const fieldErrors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || 'form';
    fieldErrors[key] ??= issue.message;
  }
  return invalid(fieldErrors);
}

/** Text typed by staff: trimmed, required, bounded. */
export const requiredText = (label: string, max: number) =>
  z
    .string({ error: `${label} is required.` })
    .trim()
    .min(1, `${label} is required.`)
    .max(max, `${label} must be at most ${max} characters.`);

/** Optional text: blank becomes null. */
export const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label} must be at most ${max} characters.`)
    .nullish()
    .transform((value) => (value ? value : null));

export const idSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9]{1,40}$/, 'Unknown id.');

/** A yes/no input: a boolean (API) or a checkbox value (form); absent means yes. */
export const checkboxDefaultOn = z
  .union([z.boolean(), z.literal('on'), z.literal('true'), z.literal('false'), z.literal('')])
  .optional()
  .transform((value) => value === undefined || value === true || value === 'on' || value === 'true');

/** A yes/no input: absent means no. */
export const checkboxDefaultOff = z
  .union([z.boolean(), z.literal('on'), z.literal('true'), z.literal('false'), z.literal('')])
  .optional()
  .transform((value) => value === true || value === 'on' || value === 'true');
