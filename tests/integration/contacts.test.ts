import { describe, expect, it } from 'vitest';
import { auditLog, contact } from '../../src/lib/server/db/schema';
import {
  contactsForSeverity,
  createContact,
  deleteContact,
  getContact,
  listContacts,
  updateContact,
  type ContactInput,
} from '../../src/lib/server/services/plan/contacts';
import { setAllowPrivateWebhookTargets } from '../../src/lib/server/services/settings/page-settings';
import { auditRowsFor, countRows, expectFailure, expectInvalid, expectOk, MINUTE, testActor } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, handle, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

const valid: ContactInput = {
  name: 'Ada Lovelace',
  role: 'Incident commander',
  email: 'ada@example.com',
  webhookUrl: 'https://hooks.example.com/herald',
  severities: ['critical', 'high'],
};

describe('contact validation', () => {
  it('refuses bad input field by field and writes nothing', async () => {
    const before = { contacts: await countRows(handle.db, contact), audit: await countRows(handle.db, auditLog) };

    expect(expectInvalid(await createContact(context, testActor, { ...valid, email: 'not-an-email' }))).toHaveProperty('email');
    expect(expectInvalid(await createContact(context, testActor, { ...valid, email: `${'a'.repeat(250)}@example.com` }))).toHaveProperty(
      'email',
    );
    expect(
      expectInvalid(await createContact(context, testActor, { ...valid, webhookUrl: 'http://hooks.example.com/herald' })),
    ).toHaveProperty('webhookUrl');
    expect(expectInvalid(await createContact(context, testActor, { ...valid, webhookUrl: 'ftp://hooks.example.com/' }))).toHaveProperty(
      'webhookUrl',
    );
    expect(expectInvalid(await createContact(context, testActor, { ...valid, webhookUrl: 'not a url' }))).toHaveProperty('webhookUrl');
    expect(expectInvalid(await createContact(context, testActor, { ...valid, severities: [] }))).toHaveProperty('severities');
    expect(expectInvalid(await createContact(context, testActor, { ...valid, severities: ['urgent' as never] }))).toHaveProperty([
      'severities.0',
    ]);
    expect(expectInvalid(await createContact(context, testActor, { ...valid, name: '  ' }))).toHaveProperty('name');
    expect(expectInvalid(await createContact(context, testActor, { ...valid, role: 'x'.repeat(101) }))).toHaveProperty('role');

    // Several problems at once are all reported.
    const errors = expectInvalid(
      await createContact(context, testActor, {
        name: 'Bob',
        role: 'On call',
        email: 'bob@',
        webhookUrl: 'http://example.com',
        severities: [],
      }),
    );
    expect(Object.keys(errors).sort()).toEqual(['email', 'severities', 'webhookUrl']);

    expect(await countRows(handle.db, contact)).toBe(before.contacts);
    expect(await countRows(handle.db, auditLog)).toBe(before.audit);
  });

  it('takes a blank webhook as none, and plain http only on this machine, once private targets are allowed', async () => {
    const noHook = expectOk(await createContact(context, testActor, { ...valid, email: 'plain@example.com', webhookUrl: '  ' }));
    expect(noHook.webhookUrl).toBeNull();
    expect(
      expectInvalid(
        await createContact(context, testActor, { ...valid, email: 'local@example.com', webhookUrl: 'http://127.0.0.1:8080/hook' }),
      ),
    ).toEqual({
      webhookUrl: 'The address 127.0.0.1, a loopback address, is not one webhooks may reach.',
    });
    expectOk(await setAllowPrivateWebhookTargets(context, testActor, true));
    const local = expectOk(
      await createContact(context, testActor, { ...valid, email: 'local@example.com', webhookUrl: 'http://127.0.0.1:8080/hook' }),
    );
    expect(local.webhookUrl).toBe('http://127.0.0.1:8080/hook');
    expectOk(await deleteContact(context, testActor, noHook.id));
    expectOk(await deleteContact(context, testActor, local.id));
    expectOk(await setAllowPrivateWebhookTargets(context, testActor, false));
  });
});

describe('contacts', () => {
  it('are created trimmed, with the email in lower case and severities in order, and audited', async () => {
    const at = clock.advance(MINUTE);
    const created = expectOk(
      await createContact(context, testActor, {
        name: ' Grace Hopper ',
        role: ' Support lead ',
        email: ' Grace@Example.COM ',
        webhookUrl: '',
        severities: ['low', 'critical', 'low'],
      }),
    );
    expect(created).toMatchObject({
      name: 'Grace Hopper',
      role: 'Support lead',
      email: 'grace@example.com',
      webhookUrl: null,
      severities: ['critical', 'low'],
      createdAt: at,
      updatedAt: at,
    });
    expect(await getContact(context, created.id)).toEqual(created);

    const [audit] = await auditRowsFor(handle.db, created.id);
    expect(audit).toMatchObject({ action: 'contact.create', entityType: 'contact', actorLabel: 'test-suite', at, before: null });
    expect(audit!.after).toMatchObject({ id: created.id, email: 'grace@example.com', severities: ['critical', 'low'] });
  });

  it('are updated and deleted, each change audited with before and after', async () => {
    const created = expectOk(await createContact(context, testActor, valid));
    const at = clock.advance(MINUTE);
    const updated = expectOk(
      await updateContact(context, testActor, created.id, {
        ...valid,
        role: 'Engineering manager',
        webhookUrl: null,
        severities: ['medium'],
      }),
    );
    expect(updated).toMatchObject({
      role: 'Engineering manager',
      webhookUrl: null,
      severities: ['medium'],
      updatedAt: at,
      createdAt: created.createdAt,
    });

    // An invalid update changes nothing.
    expectInvalid(await updateContact(context, testActor, created.id, { ...valid, severities: [] }));
    expect(await getContact(context, created.id)).toEqual(updated);

    const removedAt = clock.advance(MINUTE);
    expectOk(await deleteContact(context, testActor, created.id));
    expect(await getContact(context, created.id)).toBeUndefined();

    const rows = await auditRowsFor(handle.db, created.id);
    expect(rows.map((row) => row.action)).toEqual(['contact.create', 'contact.update', 'contact.delete']);
    expect(rows[1]).toMatchObject({
      at,
      before: { role: 'Incident commander', severities: ['critical', 'high'] },
      after: { role: 'Engineering manager', severities: ['medium'] },
    });
    expect(rows[2]).toMatchObject({ at: removedAt, before: { id: created.id, name: 'Ada Lovelace' }, after: null });
  });

  it('answer not found for an unknown id, writing nothing', async () => {
    const audit = await countRows(handle.db, auditLog);
    expectFailure(await updateContact(context, testActor, 'nosuchcontact', valid), 'not_found');
    expectFailure(await deleteContact(context, testActor, 'nosuchcontact'), 'not_found');
    expect(await countRows(handle.db, auditLog)).toBe(audit);
  });

  it('are listed by name and found by the severity they are paged for', async () => {
    const zed = expectOk(
      await createContact(context, testActor, { ...valid, name: 'Zed', email: 'zed@example.com', severities: ['high'] }),
    );
    const amy = expectOk(
      await createContact(context, testActor, {
        ...valid,
        name: 'Amy',
        email: 'amy@example.com',
        severities: ['critical', 'high', 'medium', 'low'],
      }),
    );
    const names = (await listContacts(context)).map((row) => row.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['Amy', 'Grace Hopper', 'Zed']));

    expect((await contactsForSeverity(handle.db, 'high')).map((row) => row.id)).toEqual([amy.id, zed.id]);
    expect((await contactsForSeverity(handle.db, 'low')).map((row) => row.name)).toEqual(['Amy', 'Grace Hopper']);
    expect((await contactsForSeverity(handle.db, 'medium')).map((row) => row.name)).toEqual(['Amy']);
  });
});
