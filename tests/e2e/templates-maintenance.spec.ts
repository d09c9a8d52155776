import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { addComponent, asClient, unique } from './support/herald';
import { signedInStaff } from './support/staff';

/**
 * Maintenance templates: an admin keeps a window ahead of time (title, description, components,
 * its length, the emails it sends); a responder starts the schedule form from it with a start
 * time, finds everything filled in and the end set by the length, changes the title and
 * schedules it. A link to a template that is gone fills in nothing and says why.
 */

test.use(asClient('198.51.100.92'));

/** Browser contexts a test opened (each person's own browser), closed after it. */
const opened: BrowserContext[] = [];

test.afterEach(async () => {
  for (const item of opened.splice(0)) await item.close();
});

/** The entry of the template called `name` in one of the lists on /admin/templates. */
function listed(page: Page, name: string, list: string): Locator {
  return page
    .getByRole('region', { name: list, exact: true })
    .getByRole('listitem')
    .filter({ has: page.getByText(name, { exact: true }) });
}

test('an admin adds a maintenance template; a responder schedules from it, the form filled and its end set by the duration', async ({
  browser,
  context,
}) => {
  const admin = await signedInStaff(browser, context, 'Admin', { client: '198.51.100.92', opened });
  const component = unique('Billing API');
  await addComponent(admin, component);
  const name = unique('Billing database upgrade');
  const title = unique('Billing is read-only');
  const description = 'We upgrade the billing database. Invoices cannot be changed for up to 90 minutes.';

  await admin.goto('/admin/templates');
  const form = admin.getByRole('region', { name: 'Add a maintenance template' });
  await form.getByLabel('Template name').fill(name);
  await form.getByLabel('Maintenance title').fill(title);
  await form.getByLabel('Description').fill(description);
  await form.getByLabel('Duration (minutes)').fill('90');
  await form.getByRole('checkbox', { name: component, exact: true }).check();
  await form.getByRole('checkbox', { name: '60 minutes before it starts (reminder)' }).uncheck();
  await form.getByRole('button', { name: 'Add maintenance template' }).click();
  await expect(admin.getByRole('status')).toContainText(`Maintenance template “${name}” added.`);
  const entry = listed(admin, name, 'Maintenance templates');
  await expect(entry).toContainText(`“${title}” · Lasts 1 h 30 min · Sets components to Under maintenance`);
  await expect(entry).toContainText(`Components: ${component}`);

  // Responders use the templates (posting one is refused, above).
  const responder = await signedInStaff(browser, context, 'Responder', { client: '198.51.100.92', opened });
  await responder.goto('/admin/maintenance/new');
  await responder.getByRole('combobox', { name: 'Start from a template' }).selectOption({ label: name });
  // A day far ahead, in June: no daylight-saving change in any zone the page may be set to.
  await responder.getByLabel(/^Start of the window, in /).fill('2030-06-03T10:00');
  await responder.getByRole('button', { name: 'Fill in the form' }).click();
  await expect(responder).toHaveURL(/\/admin\/maintenance\/new\?template=[a-z0-9]+&startsAt=2030-06-03T10%3A00$/);
  await expect(
    responder.getByText(`Filled in from “${name}”, a window of 1 h 30 min. The end is set 1 h 30 min after the start.`),
  ).toBeVisible();

  // The form holds the template's values and the window, none of them scheduled yet.
  await expect(responder.getByLabel('Title', { exact: true })).toHaveValue(title);
  await expect(responder.getByLabel('Description', { exact: true })).toHaveValue(description);
  await expect(responder.getByRole('checkbox', { name: component, exact: true })).toBeChecked();
  await expect(responder.getByLabel('Start', { exact: true })).toHaveValue('2030-06-03T10:00');
  await expect(responder.getByLabel('End', { exact: true })).toHaveValue('2030-06-03T11:30');
  await expect(responder.getByRole('checkbox', { name: '60 minutes before it starts (reminder)' })).not.toBeChecked();

  const scheduledTitle = unique('Billing read-only for an upgrade');
  await responder.getByLabel('Title', { exact: true }).fill(scheduledTitle);
  await responder.getByRole('button', { name: 'Schedule maintenance' }).click();
  await expect(responder).toHaveURL(/\/admin\/maintenance\/[a-z0-9]+$/);
  await expect(responder.getByRole('status')).toContainText('Maintenance scheduled.');
  await expect(responder.getByRole('heading', { level: 1 })).toHaveText(scheduledTitle);
  await expect(responder.getByRole('main')).toContainText(component);

  // A link to a template that is gone fills in nothing, and says why.
  await responder.goto('/admin/maintenance/new?template=nosuchtemplate');
  await expect(responder.getByText('That template does not exist (it may have been deleted).')).toBeVisible();
  await expect(responder.getByLabel('Title', { exact: true })).toHaveValue('');
});
