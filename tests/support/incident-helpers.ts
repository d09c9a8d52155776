import type { ComponentRow, IncidentRow } from '../../src/lib/server/db/schema';
import { createComponent, createGroup } from '../../src/lib/server/services/components/catalog';
import type { Actor, ServiceContext } from '../../src/lib/server/services/kernel/context';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import type { FakeClock } from './clock';
import { expectOk, MINUTE, testActor } from './factories';

export type DeclareInput = Parameters<typeof declareIncident>[2];
export type UpdateInput = Parameters<typeof postIncidentUpdate>[3];
export type GroupInput = Parameters<typeof createGroup>[2];
export type ComponentInput = Parameters<typeof createComponent>[2];

export interface IncidentHelperOptions {
  /**
   * How far each write moves the clock before it happens (so that audit rows and timestamps are
   * distinct); 0 leaves the clock alone. MINUTE when omitted.
   */
  step?: number;
  /** Who writes; testActor when omitted. */
  actor?: Actor;
}

/** The default first message of `declare`: a medium incident under investigation. */
const DECLARE_DEFAULTS = {
  title: 'Something is wrong',
  severity: 'medium',
  status: 'investigating',
  message: 'We are investigating.',
} as const satisfies Partial<DeclareInput>;

/**
 * The small writers many integration files need, on one file's clock and context (see
 * useTestContext): each moves the clock by `step` first, writes through the service as
 * `actor`, and fails the test unless the service succeeded.
 */
export function incidentHelpers(test: { clock: FakeClock; context: ServiceContext }, options: IncidentHelperOptions = {}) {
  const step = options.step ?? MINUTE;
  const actor = options.actor ?? testActor;
  const { clock, context } = test;

  /** Moves the clock on by `milliseconds` (a minute by default) and returns the new time. */
  function tick(milliseconds = MINUTE): Date {
    return clock.advance(milliseconds);
  }

  function beforeWrite(): void {
    if (step > 0) clock.advance(step);
  }

  async function newGroup(name: string, fields: Omit<GroupInput, 'name'> = {}) {
    beforeWrite();
    return expectOk(await createGroup(context, actor, { name, ...fields }));
  }

  async function newComponent(name: string, fields: Omit<ComponentInput, 'name'> = {}): Promise<ComponentRow> {
    beforeWrite();
    return expectOk(await createComponent(context, actor, { name, ...fields }));
  }

  /** Declares an incident: DECLARE_DEFAULTS with `input` over them. */
  async function declare(input: Partial<DeclareInput> = {}): Promise<IncidentRow> {
    beforeWrite();
    return expectOk(await declareIncident(context, actor, { ...DECLARE_DEFAULTS, ...input }));
  }

  /** Posts an update (Identified, "Update." unless `input` says otherwise). */
  async function post(incidentId: string, input: Partial<UpdateInput> = {}) {
    beforeWrite();
    return expectOk(await postIncidentUpdate(context, actor, incidentId, { status: 'identified', message: 'Update.', ...input }));
  }

  return { tick, newGroup, newComponent, declare, post };
}
