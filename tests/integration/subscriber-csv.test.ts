import { eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/lib/domain/csv';
import { auditLog, subscriber, type ComponentRow } from '../../src/lib/server/db/schema';
import { createComponent, createGroup, removeComponent, setComponentStatus } from '../../src/lib/server/services/components/catalog';
import { exportSubscribersCsv, importSubscribersCsv, MAX_IMPORT_ROWS } from '../../src/lib/server/services/subscribers/subscriber-csv';
import { addSubscriberByAdmin, listSubscribers, requestSubscription } from '../../src/lib/server/services/subscribers/subscribers';
import { countRows, expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });
let api: ComponentRow;
let web: ComponentRow;

beforeAll(async () => {
  api = expectOk(await createComponent(context, testActor, { name: 'API' }));
  web = expectOk(await createComponent(context, testActor, { name: 'Web App' }));
  // An archived component: its name cannot be chosen any more.
  const old = expectOk(await createComponent(context, testActor, { name: 'Legacy' }));
  expectOk(await setComponentStatus(context, testActor, old.id, { status: 'major_outage' }));
  expect(expectOk(await removeComponent(context, testActor, old.id)).outcome).toBe('archived');
});

beforeEach(async () => {
  await handle.db.delete(subscriber);
  clock.advance(MINUTE);
});

/** Every subscriber, by address, with the names of the components they chose. */
async function stored() {
  const list = await listSubscribers(context, { search: '', state: null, componentId: null, page: 1 });
  return list.items.map((item) => ({ email: item.email, state: item.state, source: item.source, components: item.componentNames }));
}

function rowsOf(csv: string): string[][] {
  const parsed = parseCsv(csv);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.records.map((record) => record.fields);
}

describe('exportSubscribersCsv', () => {
  it('writes only the header when nobody subscribes', async () => {
    expect(await exportSubscribersCsv(context)).toBe('email,state,components,created_at,confirmed_at\r\n');
  });

  it('writes every subscriber by address, with component names, state and ISO dates', async () => {
    const created = clock.now();
    expectOk(await addSubscriberByAdmin(context, testActor, { email: 'b@example.com', componentIds: [web.id, api.id] }));
    expectOk(await addSubscriberByAdmin(context, testActor, { email: 'a@example.com', componentIds: [] }));
    expectOk(await requestSubscription(context, { email: 'c@example.com', componentIds: [api.id] }, '192.0.2.1'));
    expect(rowsOf(await exportSubscribersCsv(context))).toEqual([
      ['email', 'state', 'components', 'created_at', 'confirmed_at'],
      ['a@example.com', 'confirmed', '', created.toISOString(), created.toISOString()],
      ['b@example.com', 'confirmed', 'API;Web App', created.toISOString(), created.toISOString()],
      ['c@example.com', 'pending', 'API', created.toISOString(), ''],
    ]);
  });

  it('neutralises values a spreadsheet would run as formulas', async () => {
    const formula = expectOk(await createComponent(context, testActor, { name: '=HYPERLINK("http://evil.example")' }));
    expectOk(await addSubscriberByAdmin(context, testActor, { email: '-dash@example.com', componentIds: [formula.id] }));
    const csv = await exportSubscribersCsv(context);
    expect(rowsOf(csv)[1]!.slice(0, 3)).toEqual(["'-dash@example.com", 'confirmed', `'=HYPERLINK("http://evil.example")`]);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expectOk(await removeComponent(context, testActor, formula.id));
  });

  it('imports back as it was', async () => {
    expectOk(await addSubscriberByAdmin(context, testActor, { email: 'a@example.com', componentIds: [api.id] }));
    expectOk(await addSubscriberByAdmin(context, testActor, { email: '+plus@example.com', componentIds: [] }));
    const before = await stored();
    const csv = await exportSubscribersCsv(context);
    await handle.db.delete(subscriber);
    expect(expectOk(await importSubscribersCsv(context, testActor, csv))).toEqual({ added: 2, skipped: 0, rejected: [] });
    expect((await stored()).map(({ email, components }) => ({ email, components }))).toEqual(
      before.map(({ email, components }) => ({ email, components })),
    );
  });
});

describe('importSubscribersCsv', () => {
  it('adds good rows confirmed, skips subscribed addresses and reports bad rows by line', async () => {
    expectOk(await addSubscriberByAdmin(context, testActor, { email: 'existing@example.com', componentIds: [] }));
    const oversized = `${'a'.repeat(250)}@example.com`;
    const csv = [
      'Email,Components,Note',
      'new@example.com,api;WEB APP,first',
      'EXISTING@example.com,,already there',
      '  all@example.com  ,,',
      'not-an-email,API,',
      'unknown@example.com,API;Status DB,',
      `${oversized},,`,
      'legacy@example.com,legacy,archived',
      ',API,no address',
      'new@example.com,,listed twice',
      'extra@example.com,API,x,y',
      ',,',
      '"quoted@example.com","API; Web App","a, note"',
    ].join('\r\n');
    const report = expectOk(await importSubscribersCsv(context, testActor, csv));
    expect(report.added).toBe(3);
    expect(report.skipped).toBe(2);
    expect(report.rejected).toEqual([
      { line: 5, email: 'not-an-email', reason: 'Enter a valid email address, such as name@example.com.' },
      { line: 6, email: 'unknown@example.com', reason: 'No component is called "Status DB".' },
      { line: 7, email: `${oversized.slice(0, 100)}…`, reason: 'An email address has at most 254 characters.' },
      { line: 8, email: 'legacy@example.com', reason: 'No component is called "legacy".' },
      { line: 9, email: '', reason: 'The email address is missing.' },
      { line: 11, email: 'extra@example.com', reason: expect.stringContaining('4 values but the header names 3 columns') },
    ]);
    expect(await stored()).toEqual([
      { email: 'all@example.com', state: 'confirmed', source: 'import', components: [] },
      { email: 'existing@example.com', state: 'confirmed', source: 'admin', components: [] },
      { email: 'new@example.com', state: 'confirmed', source: 'import', components: ['API', 'Web App'] },
      { email: 'quoted@example.com', state: 'confirmed', source: 'import', components: ['API', 'Web App'] },
    ]);
  });

  it('records each addition in the audit log as an import by the actor', async () => {
    expectOk(await importSubscribersCsv(context, testActor, 'email\naudited@example.com\n'));
    const [row] = await handle.db.select().from(subscriber).where(eq(subscriber.email, 'audited@example.com'));
    const entries = await handle.db.select().from(auditLog).where(eq(auditLog.entityId, row!.id));
    expect(entries).toMatchObject([{ action: 'subscriber.import', actorLabel: testActor.label, after: { email: 'audited@example.com' } }]);
  });

  it('needs only an email column, and accepts a BOM and LF line ends', async () => {
    expect(expectOk(await importSubscribersCsv(context, testActor, '\uFEFFemail\none@example.com\ntwo@example.com'))).toEqual({
      added: 2,
      skipped: 0,
      rejected: [],
    });
  });

  it('refuses a component name that more than one component has', async () => {
    const group = expectOk(await createGroup(context, testActor, { name: 'EU' }));
    const twin = expectOk(await createComponent(context, testActor, { name: 'api', groupId: group.id }));
    const report = expectOk(await importSubscribersCsv(context, testActor, 'email,components\ntwin@example.com,API\n'));
    expect(report.rejected).toEqual([
      { line: 2, email: 'twin@example.com', reason: expect.stringContaining('More than one component is called "API"') },
    ]);
    expectOk(await removeComponent(context, testActor, twin.id));
  });

  it('refuses a file over 1 MB whole', async () => {
    const rows = Array.from({ length: 9000 }, (_, index) => `someone-with-a-long-address-${index}@subscribers.example.com`);
    const csv = ['email', ...rows].join('\n') + '\n'.repeat(1024 * 1024);
    expect(expectInvalid(await importSubscribersCsv(context, testActor, csv)).csv).toMatch(/larger than 1 MB/);
    expect(await countRows(handle.db, subscriber)).toBe(0);
  });

  it(`refuses more than ${MAX_IMPORT_ROWS} rows whole`, async () => {
    const rows = Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, index) => `s${index}@example.com`);
    expect(expectInvalid(await importSubscribersCsv(context, testActor, ['email', ...rows].join('\n'))).csv).toBe(
      'The file has 10,001 rows; import at most 10,000 at a time.',
    );
    expect(await countRows(handle.db, subscriber)).toBe(0);
  });

  it.each([
    ['binary data', 'PK\u0003\u0004\u0000\u0000email', /not a CSV file: it contains binary data/],
    ['broken quoting', 'email\n"open@example.com\nnext@example.com\n', /not valid CSV: on line 2, a quoted value is never closed/],
    ['no email column', 'name,phone\nAda,123\n', /header naming the columns, with one called "email"/],
    ['a repeated email column', 'email,EMAIL\na@example.com,b@example.com\n', /names the "email" column twice/],
    ['nothing at all', '\n\n', /The file is empty/],
  ])('refuses %s with a clear message and imports nothing', async (_, csv, message) => {
    expect(expectInvalid(await importSubscribersCsv(context, testActor, csv)).csv).toMatch(message);
    expect(await countRows(handle.db, subscriber)).toBe(0);
  });
});
