import { and, asc, desc, eq, isNull, lte, or } from 'drizzle-orm';
import { criteriaLabels } from '../../../domain/rollback-criteria';
import { incidentStatusLabels, severityLabels, type Severity } from '../../../domain/statuses';
import { incident, teamAlert, teamAlertKinds, type TeamAlertRow } from '../../db/schema';
import { newId } from '../../ids';
import { teamAlertMail } from '../../mail/templates';
import type { Mailer } from '../../mail/transport';
import { getCommunicationPolicy } from '../../services/plan/policy';
import type { ServiceContext } from '../../services/kernel/context';
import { getRollbackCriteria } from '../../services/plan/rollback';
import { getPageSettings } from '../../services/settings/page-settings';
import type { OutboundHttp } from '../../services/webhooks/outbound-http';
import { targetPolicy } from '../../services/webhooks/webhook-targets';
import { alertComponentsOf, channelKeyOf, deliverToChannel, type ChannelAlert } from './team-alert-channels';
import { alertRecipients, type Recipient } from './team-alert-recipients';

export type TeamAlertKind = (typeof teamAlertKinds)[number];

/** Alerts sent at once: a slow webhook must not hold up everyone else's email. */
const SEND_CONCURRENCY = 5;
const MAX_ERROR_LENGTH = 500;

export interface TeamAlertOptions {
  incidentId: string;
  kind: TeamAlertKind;
  /** Tells repeats of one kind apart (such as the time an overdue update fell due). */
  occasion: string;
  publicUrl: string;
  /** The guarded client contact webhooks go through, as subscriber webhooks do. */
  http: OutboundHttp;
  /** PagerDuty's Events API endpoint; only tests change it, to their local receiver. */
  pagerDutyUrl?: string;
}

export interface WebhookPayload {
  kind: TeamAlertKind;
  incident: { id: string; title: string; severity: Severity; status: string; startedAt: string; adminUrl: string };
  /** The rollback criteria met so far, in the order met (empty when none holds). */
  rollbackCriteriaMet: { id: string; label: string }[];
}

/** The alert's headline, the subject's suffix, and the communication-plan step that fired (for chat channels). */
function wording(kind: TeamAlertKind, severity: Severity, policy: { postmortemReminderHours: number }) {
  const label = severityLabels[severity];
  switch (kind) {
    case 'declared':
      return { headline: `${label} incident declared`, suffix: '', planStep: 'Notify the technical team immediately.' };
    case 'severity_raised':
      return { headline: `Severity raised to ${label}`, suffix: '', planStep: 'Tell the team when the severity is raised.' };
    case 'update_overdue':
      return {
        headline: 'Update overdue',
        suffix: ' (no public update by the time it was due)',
        planStep: 'Post a public update by the time it is due.',
      };
    case 'postmortem_reminder':
      return {
        headline: `Post-mortem due in ${policy.postmortemReminderHours} h`,
        suffix: '',
        planStep: 'Publish the post-mortem by its deadline.',
      };
    case 'postmortem_overdue':
      return { headline: 'Post-mortem overdue', suffix: '', planStep: 'Publish the post-mortem by its deadline.' };
    case 'rollback_criteria_met':
      return { headline: 'Rollback criteria met: consider rollback', suffix: '', planStep: 'Consider rollback once its criteria are met.' };
    case 'resolved':
      return { headline: 'Incident resolved', suffix: '', planStep: 'Resolve the page when the incident is resolved.' };
  }
}

const errorText = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, MAX_ERROR_LENGTH);
};

/**
 * Alerts the team about one incident: every contact paged for its current severity (by email,
 * and by webhook when they have one) and, for the follow-up kinds, the incident's owner.
 *
 * Each (recipient, channel) gets one team_alert row under a unique key, so a retried or doubled
 * job finds the rows already there. A row is claimed (sentAt set) before its message goes out,
 * so two workers never both send it, and a row once sent is never sent again. A message that
 * failed gives its claim back with the error: a failed email is tried again by the job's retry
 * (this function throws when any email failed); a failed webhook is recorded and left alone.
 * A worker that dies mid-send leaves its row claimed, and that message is not resent: a
 * missing alert is better than a doubled one.
 */
export async function sendTeamAlert(
  context: ServiceContext,
  mailer: Mailer,
  options: TeamAlertOptions,
): Promise<{ sent: number; failed: number }> {
  const outcome = { sent: 0, failed: 0 };
  const [row] = await context.db.select().from(incident).where(eq(incident.id, options.incidentId));
  if (!row) return outcome;
  const [page, policy, targets, criteria] = await Promise.all([
    getPageSettings(context),
    getCommunicationPolicy(context),
    targetPolicy(context),
    getRollbackCriteria(context),
  ]);
  const rollbackLabels = criteriaLabels(criteria, row.rollbackCriteriaMet);
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const adminUrl = `${publicUrl}/admin/incidents/${row.id}`;
  const severityLabel = severityLabels[row.severity];
  const statusLabel = incidentStatusLabels[row.status];

  const { recipients, channelsOf } = await alertRecipients(context, { incident: row, kind: options.kind, pageName: page.name });
  const now = context.clock.now();
  const wanted = [...recipients.values()].flatMap((recipient) =>
    channelsOf(recipient).map((channel) => ({
      id: newId(),
      incidentId: row.id,
      kind: options.kind,
      occasion: options.occasion,
      recipientEmail: recipient.email,
      recipientName: recipient.name,
      channel,
      createdAt: now,
    })),
  );
  if (wanted.length > 0) await context.db.insert(teamAlert).values(wanted).onConflictDoNothing();

  const key = and(eq(teamAlert.incidentId, row.id), eq(teamAlert.kind, options.kind), eq(teamAlert.occasion, options.occasion));
  // Unsent email is (re)tried, even after an earlier failure; a failed webhook or channel is not,
  // and a channel that asked Herald to wait (429) is tried once its time has come.
  const pending = await context.db
    .select()
    .from(teamAlert)
    .where(
      and(
        key,
        isNull(teamAlert.sentAt),
        or(eq(teamAlert.channel, 'email'), isNull(teamAlert.error)),
        or(isNull(teamAlert.retryAfter), lte(teamAlert.retryAfter, now)),
      ),
    );

  const { headline, suffix, planStep } = wording(options.kind, row.severity, policy);
  const channelAlert: ChannelAlert = {
    incident: row,
    kind: options.kind,
    headline,
    planStep: rollbackLabels.length > 0 ? `${planStep} Met: ${rollbackLabels.join('; ')}.` : planStep,
    adminUrl,
    publicUrl,
    components: await alertComponentsOf(context, row.id),
    sender: { http: options.http, policy: targets, pagerDutyUrl: options.pagerDutyUrl },
    pageName: page.name,
  };
  /** When channels that answered 429 may be tried again. */
  const deferred: Date[] = [];
  const subject = `[${page.name}] ${headline}: ${row.title}${suffix}`;
  const host = new URL(publicUrl).hostname;
  const payload: WebhookPayload = {
    kind: options.kind,
    incident: {
      id: row.id,
      title: row.title,
      severity: row.severity,
      status: row.status,
      startedAt: row.startedAt.toISOString(),
      adminUrl,
    },
    rollbackCriteriaMet: row.rollbackCriteriaMet.map((id, index) => ({ id, label: rollbackLabels[index] ?? id })),
  };
  let failedEmails = 0;

  const deliver = async (channel: string, recipient: Recipient, alertId: string): Promise<'sent' | { retryAt: Date }> => {
    if (channel !== 'email' && channel !== 'webhook') {
      const target = recipient.channels.find((item) => channelKeyOf(item) === channel);
      if (!target) throw new Error('The channel was removed or disabled.');
      return deliverToChannel(context, mailer, channelAlert, target, recipient);
    }
    if (channel === 'email') {
      const mail = teamAlertMail({
        pageName: page.name,
        headline,
        subject,
        reason: recipient.reason,
        incidentTitle: row.title,
        severityLabel,
        statusLabel,
        startedAt: row.startedAt,
        adminUrl,
        rollbackCriteria: rollbackLabels,
      });
      await mailer.send({
        to: recipient.email,
        ...mail,
        messageId: `<team-alert.${alertId}@${host}>`,
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
      return 'sent';
    }
    if (!recipient.webhookUrl) throw new Error('The contact no longer has a webhook.');
    // Refused targets (private addresses, unless allowed in settings), timeouts and redirects
    // come back as failures, recorded like any other.
    const result = await options.http.post({
      url: recipient.webhookUrl,
      body: JSON.stringify(payload),
      headers: { 'User-Agent': 'Herald' },
      policy: targets,
    });
    if (!result.ok) throw new Error(result.status === null ? result.error : `The webhook answered HTTP ${result.status}.`);
    return 'sent';
  };

  const sendOne = async (alert: TeamAlertRow): Promise<void> => {
    const recipient = recipients.get(alert.recipientEmail);
    if (!recipient) {
      // Written by an earlier attempt for someone since taken off the plan: not theirs any more.
      await context.db
        .update(teamAlert)
        .set({ error: 'No longer a recipient of this alert.' })
        .where(and(eq(teamAlert.id, alert.id), isNull(teamAlert.sentAt)));
      outcome.failed += 1;
      return;
    }
    const [claimed] = await context.db
      .update(teamAlert)
      .set({ sentAt: context.clock.now() })
      .where(and(eq(teamAlert.id, alert.id), isNull(teamAlert.sentAt)))
      .returning({ id: teamAlert.id });
    if (!claimed) return;
    let delivered: 'sent' | { retryAt: Date };
    try {
      delivered = await deliver(alert.channel, recipient, alert.id);
    } catch (error) {
      await context.db
        .update(teamAlert)
        .set({ sentAt: null, error: errorText(error) })
        .where(eq(teamAlert.id, alert.id));
      outcome.failed += 1;
      if (alert.channel === 'email') failedEmails += 1;
      return;
    }
    if (delivered !== 'sent') {
      await context.db.update(teamAlert).set({ sentAt: null, retryAfter: delivered.retryAt }).where(eq(teamAlert.id, alert.id));
      deferred.push(delivered.retryAt);
      return;
    }
    await context.db.update(teamAlert).set({ sentAt: context.clock.now(), error: null }).where(eq(teamAlert.id, alert.id));
    outcome.sent += 1;
  };

  const queue = [...pending];
  await Promise.all(
    Array.from({ length: Math.min(SEND_CONCURRENCY, queue.length) }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await sendOne(next);
    }),
  );
  if (deferred.length > 0) {
    const startAfter = new Date(Math.min(...deferred.map((at) => at.getTime())));
    await context.queue.send(
      context.db,
      'team-alert',
      { incidentId: row.id, kind: options.kind, occasion: options.occasion },
      { startAfter },
    );
  }
  if (failedEmails > 0) throw new Error(`${failedEmails} team alert email(s) failed and will be retried (${outcome.sent} sent).`);
  return outcome;
}

/** The alerts recorded for an incident, newest first: for the incident page and tests. */
export function teamAlertsOf(context: Pick<ServiceContext, 'db'>, incidentId: string) {
  return context.db
    .select()
    .from(teamAlert)
    .where(eq(teamAlert.incidentId, incidentId))
    .orderBy(desc(teamAlert.createdAt), asc(teamAlert.recipientEmail), asc(teamAlert.channel));
}
