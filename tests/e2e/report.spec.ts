import { expect, test } from '@playwright/test';
import { asClient, signInOwner, unique } from './support/herald';
import { seed } from './support/seed';

/**
 * How well the plan was kept, as staff read it: an incident's admin page shows what the plan
 * asked and what happened beside its checklist; /admin/report lists the period's incidents with
 * their misses, switches between 30, 90 and 365 days, refuses a period it does not offer, and
 * downloads the same figures as CSV.
 */

test.use(asClient('198.51.100.93'));

test('an incident and the period report say what the plan asked and what happened', async ({ browser, context, page, request }) => {
  const api = await seed(browser, request);
  const title = unique('Checkout errors');
  const componentId = await api.component(unique('Checkout'));
  const id = await api.incident({ title, severity: 'high', components: [{ componentId, status: 'partial_outage' }] });
  await api.resolve(id);
  await signInOwner(context);

  await page.goto(`/admin/incidents/${id}`);
  const kept = page.getByRole('region', { name: 'How the plan was kept' });
  const firstPost = kept.getByRole('row', { name: /Time to the first public post/ });
  await expect(firstPost).toContainText('within 5 min of the start');
  await expect(firstPost).toContainText('Kept');
  // High owes a post-mortem within 24 h of the resolution: not written yet, not yet late.
  await expect(kept.getByRole('row', { name: /Post-mortem delay/ })).toContainText('Not yet');

  await kept.getByRole('link', { name: 'All incidents' }).click();
  await expect(page).toHaveURL(/\/admin\/report$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('How well the plan was kept');
  await expect(page.getByRole('link', { name: 'Last 30 days' })).toHaveAttribute('aria-current', 'page');
  const incidents = page.getByRole('table', { name: /Each incident of the period/ });
  await expect(incidents.getByRole('row', { name: new RegExp(title) })).toContainText('High');
  await expect(page.getByRole('row', { name: /Time to the team alert/ })).toBeVisible();

  await page.getByRole('link', { name: 'Last 365 days' }).click();
  await expect(page.getByRole('link', { name: 'Last 365 days' })).toHaveAttribute('aria-current', 'page');
  await expect(incidents.getByRole('row', { name: new RegExp(title) })).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download CSV' }).click();
  const file = await (await download).path();
  const { readFile } = await import('node:fs/promises');
  const csv = await readFile(file, 'utf8');
  expect(csv.split('\r\n')[0]).toContain('incident_id,title,severity');
  expect(csv).toContain(`${id},${title},high`);

  const refused = await page.goto('/admin/report?days=7');
  expect(refused?.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('Choose a period of 30, 90, 365 days.');
  expect((await page.request.get('/admin/report.csv?days=abc')).status()).toBe(400);
});
