import { expect, test, type Page } from '@playwright/test';
import { asClient, signInOwner, unique } from './support/herald';
import { seed } from './support/seed';

/**
 * Rollback criteria, as staff meet them: a responder ticks "Payment processing failed" when
 * declaring; the incident's plan shows "Consider rollback" naming it, pending; an update ticks
 * one more (the first shows as already met); the decision needs a reason, then is shown done with
 * who decided. In settings an admin adds a criterion, finds it on the declare form, and removes it.
 *
 * Each test makes its own component and incident (resolved after it) and names what it adds
 * uniquely, so it runs alone or in any order.
 */

test.use(asClient('198.51.100.93'));

const declared: string[] = [];

test.afterEach(async ({ browser, request }) => {
  const api = await seed(browser, request);
  for (const id of declared.splice(0)) await api.resolveIfOpen(id);
});

const rollbackStep = (page: Page) => page.locator('[data-step="rollback"]');

test('a ticked criterion asks to consider rollback until a decision is recorded with its reason', async ({ page, browser, request }) => {
  await signInOwner(page.context());
  const api = await seed(browser, request);
  const component = unique('Payments');
  await api.component(component);
  const title = unique('Card payments failing');

  await page.goto('/admin/incidents/new');
  await page.getByLabel('Title').fill(title);
  await page
    .getByRole('group', { name: 'Affected components' })
    .getByLabel(component, { exact: true })
    .selectOption({ label: 'Major outage' });
  await page.getByRole('radio', { name: 'Critical', exact: true }).check();
  await page.getByRole('group', { name: 'Rollback criteria that hold' }).getByLabel('Payment processing failed').check();
  await page.getByLabel('First message').fill('Card payments fail for most customers.');
  await page.getByRole('button', { name: 'Declare incident' }).click();
  await expect(page.getByRole('status')).toContainText('Incident declared.');
  declared.push(new URL(page.url()).pathname.split('/').at(-1)!);

  const step = rollbackStep(page);
  await expect(step.getByRole('heading', { name: 'Consider rollback' })).toBeVisible();
  await expect(step).toContainText('Rollback criteria met: Payment processing failed.');
  await expect(step.locator('[data-plan-state]')).toHaveText('Pending');

  const update = page.getByRole('region', { name: 'Post an update' });
  const criteria = update.getByRole('group', { name: 'Rollback criteria that hold' });
  await expect(criteria.getByLabel(/Payment processing failed/)).toBeDisabled();
  await criteria.getByLabel('Error rate over 5 %').check();
  await update.getByLabel('Message').fill('Errors keep rising after the 4.2 release.');
  await update.getByRole('button', { name: 'Post update' }).click();
  await expect(page.getByRole('status')).toContainText('Update posted.');
  await expect(step).toContainText('Rollback criteria met: Payment processing failed; Error rate over 5 %.');

  await step.getByLabel('Declined').check();
  await step.getByRole('button', { name: 'Record decision' }).click();
  await expect(rollbackStep(page).getByText('The reason is required.')).toBeVisible();
  await rollbackStep(page).getByLabel('Reason').fill('The fix ships faster than a rollback.');
  await rollbackStep(page).getByRole('button', { name: 'Record decision' }).click();
  await expect(page.getByRole('status')).toContainText('Rollback decision recorded.');
  await expect(step.locator('[data-plan-state]')).toHaveText('Done');
  await expect(step).toContainText('Declined by');
  await expect(step.getByText('The fix ships faster than a rollback.')).toBeVisible();
});

test('an admin adds a criterion in settings, staff can tick it, and it can be removed again', async ({ page }) => {
  await signInOwner(page.context());
  const label = unique('Checkout broken');
  await page.goto('/admin/settings');
  await page.getByRole('link', { name: 'Rollback criteria' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rollback criteria');
  await page.getByLabel('Add a criterion').fill(label);
  await page.getByRole('button', { name: 'Save rollback criteria' }).click();
  await expect(page.getByRole('status')).toContainText('Rollback criteria saved.');
  await expect(page.locator(`input[value="${label}"]`)).toBeVisible();
  // The measured criteria cannot be removed: they have no "Remove" box.
  await expect(page.getByLabel('Remove Error rate over 5 %')).toHaveCount(0);

  await page.goto('/admin/incidents/new');
  await expect(page.getByRole('group', { name: 'Rollback criteria that hold' }).getByLabel(label)).toBeVisible();

  await page.goto('/admin/settings/rollback');
  await page.getByLabel(`Remove ${label}`).check();
  await page.getByRole('button', { name: 'Save rollback criteria' }).click();
  await expect(page.getByRole('status')).toContainText('Rollback criteria saved.');
  await expect(page.locator(`input[value="${label}"]`)).toHaveCount(0);
});
