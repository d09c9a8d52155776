import { expect, test, type Page } from '@playwright/test';
import { asClient, signInOwner } from './support/herald';

/**
 * Chat subscriptions in the browser. On /subscribe?via=chat a visitor's http URL and a URL on
 * another host are refused with the reason beside the field; a well-formed Slack URL is checked
 * by posting the code to it, which this machine cannot reach, so the page says why and keeps the
 * form. Nothing was created: the owner's chat subscribers page, found from the subscribers page,
 * lists no channel. (Named after journey.spec.ts, which sets Herald up, since it signs in.)
 * Listing, testing, re-enabling and removing channels are in tests/integration/chat-subscriber-admin.test.ts.
 */

test.use(asClient('198.51.100.95'));

const SLACK_URL = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

async function register(page: Page, url: string): Promise<void> {
  await page.getByRole('radio', { name: 'Slack' }).check();
  await page.getByLabel('Incoming webhook URL').fill(url);
  await page.getByRole('button', { name: 'Send me a code' }).click();
}

test('a visitor sees bad chat URLs refused, and the owner finds no channel was created', async ({ page, context }) => {
  await page.goto('/subscribe?via=chat');
  const field = page.getByLabel('Incoming webhook URL');

  await register(page, 'http://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX');
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(field).toHaveAccessibleDescription(/Use the https:\/\/ address/);

  await register(page, 'https://hooks.example.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX');
  await expect(field).toHaveAccessibleDescription(/This is not a Slack webhook URL/);
  await expect(field).toHaveValue('https://hooks.example.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX');

  await register(page, SLACK_URL);
  await expect(field).toHaveAccessibleDescription(/Herald could not post the code to this channel: \S/);
  await expect(page.getByRole('button', { name: 'Send me a code' })).toBeVisible();

  await signInOwner(context);
  await page.goto('/admin/subscribers');
  await page.getByRole('link', { name: 'chat subscribers' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Chat subscribers');
  const list = page.getByRole('region', { name: 'All chat channels' });
  await expect(list).toContainText('No chat channel is registered yet.');
  await expect(page.locator('main')).not.toContainText('XXXXXXXXXXXXXXXXXXXXXXXX');
});
