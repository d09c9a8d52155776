import { beforeAll, describe, expect, it } from 'vitest';
import { declareIncident, postIncidentUpdate } from '../../src/lib/server/services/incidents/incident-commands';
import { loadHistoryFeed } from '../../src/lib/server/services/public/feeds';
import { statusApiBody } from '../../src/lib/server/services/public/status-api';
import { updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { expectOk, HOUR, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const ORIGIN = 'https://status.example.com';
const { clock, context } = useTestContext({ start: '2026-01-01T00:00:00.000Z' });
const TIED = ['Tied one.', 'Tied two.', 'Tied three.', 'Tied four.'];

beforeAll(async () => {
  expectOk(await updatePageSettings(context, testActor, { name: 'Acme', timeZone: 'UTC', upcomingMaintenanceDays: 7 }));
  const row = expectOk(
    await declareIncident(context, testActor, {
      title: 'Outage',
      severity: 'high',
      status: 'investigating',
      message: 'Looking.',
      notifySubscribers: false,
    }),
  );
  clock.advance(HOUR);
  // Written at one instant: the same shown time and the same creation time.
  for (const message of TIED)
    expectOk(await postIncidentUpdate(context, testActor, row.id, { status: 'identified', message, notifySubscribers: false }));
});

describe('updates written at the same instant', () => {
  it('come out in the same order from the status API and the feeds: newest first, ties by id', async () => {
    const api = (await statusApiBody(context, 'incidents', ORIGIN)) as {
      incidents: { incident_updates: { id: string; body: string }[] }[];
    };
    const apiUpdates = api.incidents[0]?.incident_updates ?? [];
    const feed = await loadHistoryFeed(context, { publicUrl: ORIGIN, format: 'atom', componentId: null });
    const feedBodies = feed?.entries[0]?.updates.map((update) => update.body);

    expect(feedBodies).toEqual(apiUpdates.map((update) => update.body));
    const tied = apiUpdates.slice(0, TIED.length);
    expect(new Set(tied.map((update) => update.body))).toEqual(new Set(TIED));
    expect(tied.map((update) => update.id)).toEqual(
      tied
        .map((update) => update.id)
        .sort()
        .reverse(),
    );
    expect(apiUpdates.at(-1)?.body).toBe('Looking.');
  });
});
