import { and, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { defaultWording, templateProblem, wordingKinds, type WordingKind } from '../../../domain/public-wording';
import { component, setting } from '../../db/schema';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, success, type ServiceResult } from '../kernel/errors';
import { checkboxDefaultOff, idSchema, parseInput } from '../kernel/validation';

/**
 * Settings of alert intake (issue 7), stored under the `intake` key of the `setting` table:
 * whether a firing alert opens an incident or a draft, whether a resolved alert resolves the
 * incident, rules that map alerts to components by a label's value, and the public wording
 * (issue 16): the templates of the title and of each step's message.
 */

const intakeModes = ['incident', 'draft'] as const;
export type IntakeMode = (typeof intakeModes)[number];
export const MAX_INTAKE_RULES = 100;

const intakeRuleInput = z.object({
  label: z
    .string({ error: 'Enter a label name.' })
    .trim()
    .min(1, 'Enter a label name.')
    .max(100, 'Keep the label name under 100 characters.')
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'Use a Prometheus label name: letters, digits and _, not starting with a digit.'),
  value: z
    .string({ error: 'Enter the value to match.' })
    .trim()
    .min(1, 'Enter the value to match.')
    .max(500, 'Keep the value under 500 characters.'),
  componentId: z.string({ error: 'Choose a component.' }).pipe(idSchema),
});

const isBlank = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** A form sends an empty row for a new rule: a row with nothing filled in is no rule. */
const dropBlankRows = (value: unknown) =>
  Array.isArray(value)
    ? value.filter(
        (row) =>
          !(
            row &&
            typeof row === 'object' &&
            ['label', 'value', 'componentId'].every((key) => isBlank((row as Record<string, unknown>)[key]))
          ),
      )
    : value;

const ruleList = z
  .array(intakeRuleInput, { error: 'Expected a list of rules.' })
  .max(MAX_INTAKE_RULES, `Keep to ${MAX_INTAKE_RULES} rules or fewer.`)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      const key = JSON.stringify([rule.label, rule.value, rule.componentId]);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index, 'value'], message: 'This rule is listed twice.' });
      seen.add(key);
    });
  });

/** The longest template of a title and of a message (a message's placeholders may make it longer). */
export const WORDING_MAX: Record<WordingKind, number> = { title: 200, firing: 2000, cleared: 2000, resolved: 2000, reopened: 2000 };

/** One wording template: left blank it is the default; an unknown placeholder or stray brace is refused. */
const wordingTemplate = (kind: WordingKind) =>
  z
    .string({ error: 'Expected text.' })
    .trim()
    .max(WORDING_MAX[kind], `Keep this under ${WORDING_MAX[kind].toLocaleString('en')} characters.`)
    .superRefine((template, ctx) => {
      const problem = templateProblem(template);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform((template) => template || defaultWording[kind])
    .default(defaultWording[kind]);

const wordingInput = z
  .object(
    Object.fromEntries(wordingKinds.map((kind) => [kind, wordingTemplate(kind)])) as Record<
      WordingKind,
      ReturnType<typeof wordingTemplate>
    >,
  )
  .default(defaultWording);

export const intakeSettingsInput = z.object({
  mode: z.enum(intakeModes, { error: 'Choose "incident" (open an incident) or "draft" (wait for a responder).' }).default('incident'),
  /** A resolved alert resolves its incident instead of moving it to monitoring. */
  autoResolve: checkboxDefaultOff,
  rules: z.preprocess(dropBlankRows, ruleList.optional()).transform((rules) => rules ?? []),
  wording: wordingInput,
});

export type IntakeSettings = z.output<typeof intakeSettingsInput>;
const defaultIntakeSettings: IntakeSettings = { mode: 'incident', autoResolve: false, rules: [], wording: defaultWording };
const INTAKE_KEY = 'intake';

export async function getIntakeSettings(context: Pick<ServiceContext, 'db'>): Promise<IntakeSettings & { updatedAt: Date | null }> {
  const [row] = await context.db.select().from(setting).where(eq(setting.key, INTAKE_KEY));
  const stored = intakeSettingsInput.partial().safeParse(row?.value ?? {});
  const value = stored.success ? stored.data : {};
  return {
    mode: value.mode ?? defaultIntakeSettings.mode,
    autoResolve: value.autoResolve ?? defaultIntakeSettings.autoResolve,
    rules: value.rules ?? defaultIntakeSettings.rules,
    wording: value.wording ?? defaultIntakeSettings.wording,
    updatedAt: row?.updatedAt ?? null,
  };
}

/** Replaces the intake settings; each rule's component must exist (and not be archived). */
export async function updateIntakeSettings(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof intakeSettingsInput>,
): Promise<ServiceResult<IntakeSettings>> {
  const parsed = parseInput(intakeSettingsInput, input);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const ids = [...new Set(value.rules.map((rule) => rule.componentId))];
    const known = new Set(
      ids.length === 0
        ? []
        : (
            await tx
              .select({ id: component.id })
              .from(component)
              .where(and(inArray(component.id, ids), isNull(component.archivedAt)))
          ).map((row) => row.id),
    );
    const errors: Record<string, string> = {};
    value.rules.forEach((rule, index) => {
      if (!known.has(rule.componentId)) errors[`rules.${index}.componentId`] = 'That component does not exist.';
    });
    if (Object.keys(errors).length > 0) return invalid(errors);

    const { updatedAt: _updatedAt, ...before } = await getIntakeSettings({ db: tx });
    await tx
      .insert(setting)
      .values({ key: INTAKE_KEY, value, updatedAt: now })
      .onConflictDoUpdate({ target: setting.key, set: { value, updatedAt: now } });
    await recordAudit(tx, actor, now, { action: 'settings.intake', entityType: 'setting', entityId: INTAKE_KEY, before, after: value });
    return success(value);
  });
}
