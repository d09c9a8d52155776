import { composeDetail, failureDetail } from '../../../domain/alert-intake-log';
import type { NormalisedAlertGroup } from '../../../domain/alert-intake';
import type { AlertAnalysis, KnownComponent } from '../../../domain/alert-mapping';
import type { WordingTemplates } from '../../../domain/public-wording';
import type { ApiPrincipal } from '../access/api-keys';
import type { ServiceContext } from '../kernel/context';
import type { ServiceFailure } from '../kernel/errors';

/** What one intake call carries through its steps, and the refusal that undoes it. */

/** One alert group's call, as each step inside its transaction sees it. */
export interface GroupCall {
  /** The call's context: its `db` is the call's transaction. */
  context: ServiceContext;
  principal: ApiPrincipal;
  group: NormalisedAlertGroup;
  now: Date;
  /** What the log should add about the call (alerts left out by the sender, links closed…). */
  notes: string[];
}

/** A firing call once its alerts are mapped to components: what the incident and draft steps work from. */
export interface FiringCall extends GroupCall {
  analysis: AlertAnalysis;
  components: ReadonlyMap<string, KnownComponent>;
  /** The firing alerts' fingerprints, once each. */
  fingerprints: string[];
  /** The log's line per alert. */
  lines: string[];
  /** The intake settings' public wording. */
  wording: WordingTemplates;
}

/** A call that must leave nothing behind but its log entry: thrown to roll the transaction back. */
export class IntakeRejection extends Error {
  constructor(
    readonly failure: ServiceFailure,
    readonly detail: string,
  ) {
    super(failure.message);
  }
}

/** The rejection for a step the incident services refused, with the call's alert lines and notes for the log. */
export const refusedStep = (failure: ServiceFailure, lines: readonly string[], notes: readonly string[]): IntakeRejection =>
  new IntakeRejection(failure, composeDetail(failureDetail(failure), lines, notes));
