import { expect, test, type Page } from '@playwright/test';
import { asClient, signInOwner, unique } from './support/herald';

/**
 * A contact's channels, as an admin manages them on the contact's page: a Slack URL on another
 * host is refused with the reason and nothing is added; a real Slack webhook URL is listed in its
 * shortened form (its secret part never shown); removing it empties the list.
 * (Named after journey.spec.ts, which sets Herald up, since it signs in.)
 */

test.use(asClient('198.51.100.93'));

const channels = (page: Page) => page.getByRole('region', { name: 'Channels' });

test('an admin adds a Slack channel to a contact, sees a bad URL refused, and removes it', async ({ page, context }) => {
  await signInOwner(context);
  const name = unique('Casey Channel');
  await page.goto('/admin/contacts');
  const add = page.getByRole('region', { name: 'Add a contact' });
  await add.getByLabel('Name').fill(name);
  await add.getByLabel('Role').fill('On call');
  await add.getByLabel('Email').fill(`${name.replace(/\W+/g, '-').toLowerCase()}@herald.test`);
  await add.getByLabel('Critical').check();
  await add.getByRole('button', { name: 'Add contact' }).click();
  await page
    .getByRole('row', { name: new RegExp(name) })
    .getByRole('link', { name: /Edit/ })
    .click();

  const section = channels(page);
  await expect(section).toContainText('No channels yet.');
  await section.getByLabel('Kind').selectOption({ label: 'Slack' });
  await section.getByLabel('Webhook URL or integration key').fill('https://hooks.example.com/services/T0AAAA1/B0BBBB1/secretpart123');
  await section.getByRole('button', { name: 'Add channel' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(channels(page).getByLabel('Webhook URL or integration key')).toHaveAccessibleDescription(/not a Slack webhook URL/);
  await expect(channels(page)).toContainText('No channels yet.');

  await channels(page).getByLabel('Webhook URL or integration key').fill('https://hooks.slack.com/services/T0AAAA1/B0BBBB1/secretpart123');
  await channels(page).getByLabel('Label (optional)').fill('#incidents');
  await channels(page).getByRole('button', { name: 'Add channel' }).click();
  await expect(page.getByRole('status')).toContainText('Slack channel added.');
  const list = channels(page).getByRole('list', { name: 'Channels of this contact' });
  await expect(list).toContainText('Slack “#incidents”');
  await expect(list).toContainText('hooks.slack.com/services/T0AAAA1/');
  await expect(list).not.toContainText('secretpart123');

  await list.getByRole('button', { name: 'Remove Slack channel' }).click();
  await expect(page.getByRole('status')).toContainText('Slack channel removed.');
  await expect(channels(page)).toContainText('No channels yet.');
});
