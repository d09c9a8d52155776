import {
  alertPayloadSchemas,
  alertSourceLabels,
  alertSources,
  normaliseAlertPayload,
  peekGroup,
  type AlertSource,
} from '../../../domain/alert-intake';
import { DETAIL_MAX, describeFieldErrors, failureDetail, type IntakeResult } from '../../../domain/alert-intake-log';
import { hasRole } from '../../../domain/roles';
import type { ApiPrincipal } from '../access/api-keys';
import type { ServiceContext } from '../kernel/context';
import { success, type ServiceFailure, type ServiceResult } from '../kernel/errors';
import { parseInput } from '../kernel/validation';
import { applyAlertGroup } from './apply-alert-group';
import { IntakeRejection } from './intake-call';
import { recordIntakeEvent } from './intake-log';

/**
 * Alert intake (issue 7): Alertmanager and Grafana webhooks open, update and settle incidents
 * (or drafts a responder confirms) through the same service functions as staff, so the
 * communication plan applies to them as to anyone. One alert group (source + groupKey) feeds
 * one incident or draft at a time, through an open `alert_link`; every call is logged in
 * `intake_event` with what it did.
 */

/** The SQLSTATE of a database error, looking through the wrappers drivers and drizzle add. */
function sqlState(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Worth running the call again: another call won the group's open link (unique violation), or
 * the database chose this transaction to break a deadlock or a serialisation conflict.
 */
const isRetryable = (error: unknown) => ['23505', '40P01', '40001'].includes(sqlState(error) ?? '');
const MAX_ATTEMPTS = 3;

/** Refuses a call before it reaches the group, logging why in a call of its own. */
async function refuse(
  context: ServiceContext,
  principal: ApiPrincipal,
  source: string,
  payload: unknown,
  failure: ServiceFailure,
): Promise<ServiceResult<IntakeResult>> {
  await recordIntakeEvent(context.db, context.clock.now(), principal, source, peekGroup(payload), {
    outcome: 'rejected',
    detail: failureDetail(failure),
  });
  return { ok: false, failure };
}

/**
 * Handles one webhook call of `source` made with `principal`'s key: validates the payload,
 * then opens, updates or settles the group's incident or draft, in one transaction. Every call
 * is logged, rejected ones too (in a transaction of their own).
 */
export async function receiveAlerts(
  context: ServiceContext,
  principal: ApiPrincipal,
  source: AlertSource,
  payload: unknown,
): Promise<ServiceResult<IntakeResult>> {
  if (!(alertSources as readonly string[]).includes(source)) {
    const failure: ServiceFailure = {
      kind: 'invalid',
      message: 'Unknown alert source.',
      fieldErrors: { source: `Choose one of ${alertSources.join(', ')}.` },
    };
    return refuse(context, principal, source.slice(0, 100), payload, failure);
  }
  if (!hasRole(principal.role, 'responder')) {
    // Alerts declare incidents: a read-only key may not send them (the routes should refuse it first).
    const failure: ServiceFailure = {
      kind: 'forbidden',
      message: `The API key "${principal.name}" is a viewer key: alert intake needs a responder or admin key.`,
    };
    return refuse(context, principal, source, payload, failure);
  }
  const parsed = parseInput(alertPayloadSchemas[source], payload);
  if (!parsed.ok) {
    const problems = parsed.failure.kind === 'invalid' ? describeFieldErrors(parsed.failure.fieldErrors) : parsed.failure.message;
    const failure: ServiceFailure = {
      ...parsed.failure,
      message: `This is not a valid ${alertSourceLabels[source]} webhook payload: ${problems}`,
    };
    return refuse(context, principal, source, payload, failure);
  }
  const group = normaliseAlertPayload(source, parsed.value);
  const logged = { groupKey: group.groupKey, status: group.status };

  for (let attempt = 0; ; attempt++) {
    try {
      const result = await context.db.transaction((tx) => applyAlertGroup({ ...context, db: tx }, principal, group));
      return success(result);
    } catch (error) {
      if (error instanceof IntakeRejection) {
        await context.db.transaction(async (tx) => {
          await recordIntakeEvent(tx, context.clock.now(), principal, source, logged, { outcome: 'rejected', detail: error.detail });
        });
        return { ok: false, failure: error.failure };
      }
      if (attempt + 1 < MAX_ATTEMPTS && isRetryable(error)) continue;
      await recordIntakeEvent(context.db, context.clock.now(), principal, source, logged, {
        outcome: 'failed',
        detail: `Failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, DETAIL_MAX),
      }).catch(() => {});
      throw error;
    }
  }
}
