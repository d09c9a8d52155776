import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { emailsUpdate, owesPostmortem, postmortemDueAt } from '../../../domain/communication-policy';
import { incident, type IncidentRow } from '../../db/schema';
import { recordAudit } from '../kernel/audit';
import { getCommunicationPolicy } from './policy';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, success, type ServiceResult } from '../kernel/errors';
import { updateOne, withLockedRow } from '../kernel/rows';
import { writePublicUpdate } from '../incidents/public-updates';
import { parseInput } from '../kernel/validation';

export const POSTMORTEM_MAX_CHARS = 50_000;

/** The short public update that announces a published post-mortem. */
export const POSTMORTEM_UPDATE_BODY = 'A post-mortem has been published.';
/** The update when a published post-mortem is published again with changes. */
export const POSTMORTEM_REVISED_BODY = 'The post-mortem has been updated.';

/** Browsers send a textarea's line breaks as CRLF; they count as one character, as typed. */
const postmortemBody = z
  .string({ error: 'The post-mortem is required.' })
  .overwrite((value) => value.replace(/\r\n?/g, '\n'))
  .trim()
  .min(1, 'The post-mortem is required.')
  .max(POSTMORTEM_MAX_CHARS, `The post-mortem must be at most ${POSTMORTEM_MAX_CHARS.toLocaleString('en')} characters.`);

export const postmortemDraftInput = z.object({ body: postmortemBody });

export const publishPostmortemInput = z.object({
  body: postmortemBody,
  notifySubscribers: z.boolean().default(true),
});

const NOT_RESOLVED = 'A post-mortem can be written only once the incident is resolved.';
const ALREADY_PUBLISHED = 'The post-mortem is already published: publish again to change it.';

/** Only a resolved incident (or one whose post-mortem is already out) takes a post-mortem. */
function acceptsPostmortem(row: IncidentRow): boolean {
  return row.status === 'resolved' || row.status === 'postmortem';
}

/**
 * Saves the text without publishing it: the incident's status and public page do not change.
 * Once published, the text is public, so changes go out only by publishing again.
 */
export async function savePostmortemDraft(
  context: ServiceContext,
  actor: Actor,
  incidentId: string,
  input: z.input<typeof postmortemDraftInput>,
): Promise<ServiceResult<IncidentRow>> {
  const parsed = parseInput(postmortemDraftInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return withLockedRow(context.db, incident, eq(incident.id, incidentId), 'That incident does not exist.', async (tx, before) => {
    if (!acceptsPostmortem(before)) return invalid({ body: NOT_RESOLVED }, NOT_RESOLVED);
    if (before.postmortemPublishedAt) return invalid({ body: ALREADY_PUBLISHED }, ALREADY_PUBLISHED);
    const after = await updateOne(tx, incident, eq(incident.id, incidentId), { postmortemBody: parsed.value.body, updatedAt: now });
    await recordAudit(tx, actor, now, {
      action: 'incident.postmortem_draft',
      entityType: 'incident',
      entityId: incidentId,
      before: { postmortemLength: before.postmortemBody?.length ?? 0 },
      after: { postmortemLength: parsed.value.body.length },
    });
    return success(after);
  });
}

/**
 * Publishes the post-mortem: the text, the time it first went out, status `postmortem`, and a
 * short public update, emailed when the communication plan allows it; all in one transaction.
 * Publishing again replaces the text, keeps the first publication time and posts a shorter
 * "updated" notice.
 */
export async function publishPostmortem(
  context: ServiceContext,
  actor: Actor,
  incidentId: string,
  input: z.input<typeof publishPostmortemInput>,
): Promise<ServiceResult<IncidentRow>> {
  const parsed = parseInput(publishPostmortemInput, input);
  if (!parsed.ok) return parsed;
  const values = parsed.value;
  const now = context.clock.now();
  return withLockedRow(context.db, incident, eq(incident.id, incidentId), 'That incident does not exist.', async (tx, before) => {
    if (!acceptsPostmortem(before)) return invalid({ body: NOT_RESOLVED }, NOT_RESOLVED);
    const policy = await getCommunicationPolicy({ db: tx });
    const emailed = emailsUpdate(before, policy, values.notifySubscribers);
    const after = await updateOne(tx, incident, eq(incident.id, incidentId), {
      postmortemBody: values.body,
      postmortemPublishedAt: before.postmortemPublishedAt ?? now,
      status: 'postmortem',
      updatedAt: now,
    });
    await writePublicUpdate(tx, context, {
      incidentId,
      status: 'postmortem',
      body: before.postmortemPublishedAt ? POSTMORTEM_REVISED_BODY : POSTMORTEM_UPDATE_BODY,
      componentChanges: [],
      emailed,
      now,
      displayAt: now,
      createdBy: actor.userId,
    });
    const dueAt = before.resolvedAt && owesPostmortem(policy, before.severity) ? postmortemDueAt(policy, before.resolvedAt) : null;
    await recordAudit(tx, actor, now, {
      action: before.postmortemPublishedAt ? 'incident.postmortem_republish' : 'incident.postmortem_publish',
      entityType: 'incident',
      entityId: incidentId,
      before: { status: before.status, postmortemPublishedAt: before.postmortemPublishedAt },
      after: {
        status: after.status,
        postmortemPublishedAt: after.postmortemPublishedAt,
        postmortemLength: values.body.length,
        notified: emailed,
        ...(dueAt ? { dueAt, late: now > dueAt } : {}),
      },
    });
    return success(after);
  });
}
