import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { incident } from '../../src/lib/server/db/schema';
import { possibleIncidentOwners, reassignIncidentOwner } from '../../src/lib/server/services/plan/communication-plan';
import { declareIncident } from '../../src/lib/server/services/incidents/incident-commands';
import { createUserWithPassword, labelOf } from '../../src/lib/server/services/access/users';
import { auditRowsFor, expectInvalid, expectOk, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

async function person(name: string, role: 'viewer' | 'responder' | 'admin') {
  return expectOk(
    await createUserWithPassword(context, testActor, {
      email: `${name.toLowerCase()}@example.com`,
      name,
      role,
      password: 'a long password 1',
    }),
  );
}

describe('the incident owner', () => {
  it('is the declarer, and can be handed to another responder, audited', async () => {
    const ada = await person('Ada', 'responder');
    const bob = await person('Bob', 'admin');
    const viewer = await person('Vic', 'viewer');
    const declarer = { userId: ada.id, label: labelOf(ada) };
    const declared = expectOk(
      await declareIncident(context, declarer, { title: 'Slow API', severity: 'medium', status: 'investigating', message: 'Looking.' }),
    );
    expect(declared.ownerId).toBe(ada.id);

    expect((await possibleIncidentOwners(context)).map((item) => item.name)).toEqual(['Ada', 'Bob']);
    expectOk(await reassignIncidentOwner(context, declarer, declared.id, bob.id));
    const [row] = await handle.db.select().from(incident).where(eq(incident.id, declared.id));
    expect(row!.ownerId).toBe(bob.id);
    expect((await auditRowsFor(handle.db, declared.id)).at(-1)).toMatchObject({
      action: 'incident.owner',
      before: { ownerId: ada.id },
      after: { ownerId: bob.id },
    });

    for (const candidate of [viewer.id, 'nosuchuser00000']) {
      expect(expectInvalid(await reassignIncidentOwner(context, declarer, declared.id, candidate))).toHaveProperty('ownerId');
    }
    const [unchanged] = await handle.db.select().from(incident).where(eq(incident.id, declared.id));
    expect(unchanged!.ownerId).toBe(bob.id);
  });
});
