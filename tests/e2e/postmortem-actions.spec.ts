import { expect, test } from '@playwright/test';
import { OWNER, asClient, signInOwner, unique } from './support/herald';
import { seed } from './support/seed';

/**
 * Post-mortem follow-through: the post-mortem page of a resolved Critical incident starts from
 * the template (its headings and a timeline of the incident's updates); the owner adds an action
 * item, due 4 weeks after the resolution by default, finds it on /admin/actions linked to its
 * incident, and marks it done there. The incident is made through the management API with a
 * unique title, so the test runs alone or in any order.
 */

test.use(asClient('198.51.100.94'));

test('a post-mortem starts from the template, and its action item is tracked until done', async ({ browser, context, page, request }) => {
  const api = await seed(browser, request);
  const title = unique('Checkout fails');
  const incidentId = await api.incident({ title, severity: 'critical', message: 'Card payments fail at checkout.' });
  await api.resolve(incidentId, 'Card payments work again.');
  await signInOwner(context);

  await page.goto(`/admin/incidents/${incidentId}/postmortem`);
  const editor = page.getByLabel('Post-mortem (Markdown)');
  const template = await editor.inputValue();
  for (const heading of [
    '## Summary',
    '## Customer impact',
    '## Timeline',
    '## Root cause',
    '## What went well',
    '## What did not go well',
  ]) {
    expect(template).toContain(heading);
  }
  expect(template).toMatch(/: Incident declared \(Critical\)\n/);
  expect(template).toContain('Public update, Investigating: Card payments fail at checkout.');
  expect(template).toContain('Public update, Resolved: Card payments work again.');

  const actions = page.getByRole('region', { name: 'Action items' });
  await expect(actions).toContainText('No action items yet.');
  const item = unique('Retry card payments');
  await actions.getByLabel('Title').fill(item);
  await expect(actions.getByLabel('Owner')).toHaveValue(/.+/);
  await actions.getByRole('button', { name: 'Add action item' }).click();
  await expect(page.getByRole('status')).toContainText(`Action item “${item}” added.`);
  const entry = page.getByTestId('action-item').filter({ hasText: item });
  await expect(entry).toContainText(`${OWNER.name} · due by`);
  await expect(entry).toContainText('Open');

  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Actions', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/actions$/);
  const row = page.getByRole('row').filter({ hasText: item });
  await expect(row.getByRole('link', { name: title })).toHaveAttribute('href', `/admin/incidents/${incidentId}/postmortem`);
  await expect(row).toContainText('Open');
  await row.getByRole('button', { name: `Mark done ${item}` }).click();
  await expect(page.getByRole('status')).toContainText(`Action item “${item}” marked done.`);
  await expect(page.getByRole('row').filter({ hasText: item })).toContainText('Done');

  await page.goto('/admin/actions?state=open');
  await expect(page.getByRole('row').filter({ hasText: item })).toHaveCount(0);
});
