import { describe, expect, it } from 'vitest';
import { auditLog } from '../../src/lib/server/db/schema';
import { AUDIT_PAGE_SIZE, listAuditLog, recordAudit } from '../../src/lib/server/services/kernel/audit';
import { createGroup } from '../../src/lib/server/services/components/catalog';
import { getPageSettings, updatePageSettings } from '../../src/lib/server/services/settings/page-settings';
import { auditRowsFor, countRows, expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

describe('page settings', () => {
  it('default to the name Herald in UTC before anyone saves them', async () => {
    expect(await getPageSettings(context)).toEqual({
      name: 'Herald',
      description: null,
      timeZone: 'UTC',
      upcomingMaintenanceDays: 7,
      updatedAt: null,
    });
  });

  it('are saved, trimmed, and audited with the before and after', async () => {
    const at = clock.advance(MINUTE);
    const saved = expectOk(
      await updatePageSettings(context, testActor, {
        name: '  Acme Status ',
        description: '  Status of Acme services  ',
        timeZone: 'Europe/Paris',
      }),
    );
    expect(saved).toEqual({
      name: 'Acme Status',
      description: 'Status of Acme services',
      timeZone: 'Europe/Paris',
      upcomingMaintenanceDays: 7,
    });
    expect(await getPageSettings(context)).toEqual({ ...saved, updatedAt: at });

    const [audit] = await auditRowsFor(handle.db, 'page');
    expect(audit).toMatchObject({
      action: 'settings.page',
      entityType: 'setting',
      actorLabel: 'test-suite',
      at,
      before: { name: 'Herald', description: null, timeZone: 'UTC', upcomingMaintenanceDays: 7, updatedAt: null },
      after: { name: 'Acme Status', description: 'Status of Acme services', timeZone: 'Europe/Paris', upcomingMaintenanceDays: 7 },
    });

    // A blank description is stored as none; saving again overwrites.
    const later = clock.advance(MINUTE);
    expectOk(await updatePageSettings(context, testActor, { name: 'Acme', description: '   ', timeZone: 'UTC' }));
    expect(await getPageSettings(context)).toEqual({
      name: 'Acme',
      description: null,
      timeZone: 'UTC',
      upcomingMaintenanceDays: 7,
      updatedAt: later,
    });
    expect((await auditRowsFor(handle.db, 'page')).at(-1)!.before).toMatchObject({ name: 'Acme Status', timeZone: 'Europe/Paris' });
  });

  it('refuses an unknown time zone or a blank name, and changes nothing', async () => {
    const before = await getPageSettings(context);
    const audit = await countRows(handle.db, auditLog);
    clock.advance(MINUTE);

    expect(expectInvalid(await updatePageSettings(context, testActor, { name: 'Acme', timeZone: 'Mars/Olympus_Mons' }))).toHaveProperty(
      'timeZone',
    );
    expect(expectInvalid(await updatePageSettings(context, testActor, { name: 'Acme', timeZone: '' }))).toHaveProperty('timeZone');
    expect(expectInvalid(await updatePageSettings(context, testActor, { name: '  ', timeZone: 'UTC' }))).toHaveProperty('name');
    expect(expectInvalid(await updatePageSettings(context, testActor, { name: 'n'.repeat(101), timeZone: 'UTC' }))).toHaveProperty('name');
    expect(
      expectInvalid(await updatePageSettings(context, testActor, { name: 'Acme', description: 'd'.repeat(301), timeZone: 'UTC' })),
    ).toHaveProperty('description');

    expect(await getPageSettings(context)).toEqual(before);
    expect(await countRows(handle.db, auditLog)).toBe(audit);
  });

  it('accepts any IANA time zone, including current names ICU lists under older ones', async () => {
    for (const timeZone of ['America/New_York', 'Australia/Lord_Howe', 'Asia/Calcutta', 'Asia/Kolkata', 'Europe/Kyiv', 'Etc/UTC']) {
      clock.advance(MINUTE);
      expect(expectOk(await updatePageSettings(context, testActor, { name: 'Acme', timeZone })).timeZone).toBe(timeZone);
    }
    expect((await getPageSettings(context)).timeZone).toBe('Etc/UTC');
  });
});

describe('audit log', () => {
  it('pages newest first', async () => {
    const existing = await countRows(handle.db, auditLog);
    // Rows written by a service and rows written directly, some sharing a timestamp.
    clock.advance(MINUTE);
    const group = expectOk(await createGroup(context, testActor, { name: 'Audited group' }));
    for (let index = 1; index <= 120; index += 1) {
      if (index % 2 === 1) clock.advance(1000);
      await recordAudit(handle.db, { userId: null, label: 'cli' }, clock.now(), {
        action: 'test.entry',
        entityType: 'test',
        entityId: `entry-${index}`,
        after: { index },
      });
    }
    const total = existing + 121;

    const page1 = await listAuditLog(context, 1);
    expect(AUDIT_PAGE_SIZE).toBe(50);
    expect(page1.total).toBe(total);
    expect(page1.pageCount).toBe(Math.ceil(total / 50));
    expect(page1.entries).toHaveLength(50);
    expect(page1.entries.map((row) => row.entityId).slice(0, 3)).toEqual(['entry-120', 'entry-119', 'entry-118']);

    const page2 = await listAuditLog(context, 2);
    expect(page2.entries.map((row) => row.entityId)[0]).toBe('entry-70');
    const page3 = await listAuditLog(context, 3);
    expect(page3.entries.map((row) => row.entityId).slice(0, 20)).toEqual(
      Array.from({ length: 20 }, (_, offset) => `entry-${20 - offset}`),
    );
    expect(page3.entries[20]).toMatchObject({ action: 'group.create', entityId: group.id });
    expect(page3.entries).toHaveLength(total - 100);

    // Together the pages hold every row once, newest first.
    const all = [...page1.entries, ...page2.entries, ...page3.entries];
    expect(new Set(all.map((row) => row.id)).size).toBe(total);
    for (let index = 1; index < all.length; index += 1) {
      const [newer, older] = [all[index - 1]!, all[index]!];
      expect(newer.at.getTime() > older.at.getTime() || (newer.at.getTime() === older.at.getTime() && newer.id > older.id)).toBe(true);
    }

    const beyond = await listAuditLog(context, page1.pageCount + 1);
    expect(beyond.entries).toEqual([]);
    expect(beyond.total).toBe(total);
  });
});
