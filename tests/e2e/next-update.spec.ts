import { expect, test } from '@playwright/test';
import { asClient, signInOwner, unique } from './support/herald';
import { seed } from './support/seed';

/**
 * Cadence by severity and the promised next update, as staff and visitors see them: an admin sets
 * High to every 45 minutes (a half-set cadence is refused with its reason); a High incident's
 * checklist says so and its update form comes filled with the cadence's time; a time in the past
 * is refused; a promised time shows on the public incident page and in the checklist.
 *
 * The plan is put back to its defaults and the incident resolved after the test.
 */

test.use(asClient('198.51.100.97'));

const declared: string[] = [];
const HIGH_DEFAULT = { everyMinutes: 30, forFirstMinutes: null, thenEveryMinutes: null };

test.afterEach(async ({ browser, request }) => {
  const api = await seed(browser, request);
  await api.setCommunicationPolicy({ updateCadence: { high: HIGH_DEFAULT } });
  for (const id of declared.splice(0)) await api.resolveIfOpen(id);
});

/** A `datetime-local` value moved by some minutes, read and written as a plain wall-clock time. */
const shifted = (local: string, minutes: number) =>
  new Date(new Date(`${local}:00Z`).getTime() + minutes * 60_000).toISOString().slice(0, 16);

test('a High cadence of 45 min drives the checklist and the update form; the promise shows publicly', async ({
  page,
  browser,
  request,
}) => {
  await signInOwner(page.context());
  await page.goto('/admin/settings/communication');
  const rules = page.getByRole('region', { name: 'Rules' });
  const highEvery = rules.getByLabel(/^High: Every \(min\)/);
  await expect(highEvery).toHaveValue('30');
  await expect(rules.getByLabel(/^Critical: For the first \(min\)/)).toHaveValue('120');

  await rules.getByLabel(/^High: Then every \(min\)/).fill('60');
  await rules.getByRole('button', { name: 'Save communication plan' }).click();
  await expect(rules).toContainText('High: Say how long the first cadence lasts before the later one applies.');
  await expect(rules.getByLabel(/^High: For the first \(min\)/)).toHaveAttribute('aria-invalid', 'true');

  await rules.getByLabel(/^High: Then every \(min\)/).fill('');
  await highEvery.fill('45');
  await rules.getByRole('button', { name: 'Save communication plan' }).click();
  await expect(page.getByRole('status')).toContainText('Communication plan saved.');
  await expect(highEvery).toHaveValue('45');

  const api = await seed(browser, request);
  const id = await api.incident({ title: unique('Slow uploads'), severity: 'high' });
  declared.push(id);
  await page.goto(`/admin/incidents/${id}`);
  const nextStep = page.locator('[data-step="next-update"]');
  await expect(nextStep).toContainText('Cadence for High: every 45 min.');
  await expect(nextStep).toContainText('Next update promised by');

  const form = page.getByRole('region', { name: 'Post an update' });
  const nextUpdateBy = form.getByLabel(/^Next update by/);
  const prefilled = await nextUpdateBy.inputValue();
  expect(prefilled).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);

  await form.getByLabel('Message').fill('Uploads are slow; we are adding capacity.');
  await nextUpdateBy.fill(shifted(prefilled, -120));
  await form.getByRole('button', { name: 'Post update' }).click();
  await expect(form).toContainText('The next update time must be in the future.');

  const promised = shifted(prefilled, 60);
  await form.getByLabel(/^Next update by/).fill(promised);
  await form.getByRole('button', { name: 'Post update' }).click();
  await expect(page.getByRole('status')).toContainText('Update posted.');
  await expect(nextStep).toContainText('Next update promised by');

  await page.goto(`/incidents/${id}`);
  const promise = page.locator('[data-next-update]');
  await expect(promise).toContainText('Next update by');
  await expect(promise.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
});
