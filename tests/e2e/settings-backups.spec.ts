import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { OWNER, asClient, signInOwner } from './support/herald';
import { signedInStaff } from './support/staff';

/**
 * The owner's backups page (/admin/settings/backups): "Back up now", the kept backups and their
 * downloads, and that no one else gets the page or a download. Only the owner's first test makes
 * a kept backup (no other spec does), so on the fresh install of a run it meets the warning first.
 * The file is named to run after journey.spec.ts, which needs a server on which no account exists.
 */

test.use(asClient('198.51.100.81'));

const BACKUP_NAME = /^herald-\d{8}T\d{6}Z\.herald\.gz$/;
/** A name of the backup pattern: whether such a file is kept or not, only an owner may ask for it. */
const SOME_BACKUP_NAME = 'herald-20260301T031700Z.herald.gz';

/**
 * Clicks a backup download link as the owner would; checks the browser saves a file of the backup
 * pattern that unzips to a Herald backup, and returns the name it was saved under.
 */
async function downloadBackup(page: Page, link: Locator): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toMatch(BACKUP_NAME);
  const text = gunzipSync(await readFile(await download.path())).toString('utf8');
  const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as { format?: string };
  expect(header.format, 'the first line of the backup').toBe('herald-backup');
  expect(text, 'the backup holds the owner account').toContain(OWNER.email);
  return download.suggestedFilename();
}

test('the owner backs up now, sees the kept backup and downloads it and a fresh one', async ({ page, context }) => {
  // The worker writes the backup, then restores it into a scratch database to verify it.
  test.setTimeout(60_000);
  await signInOwner(context);
  await page.goto('/admin/settings');
  const section = page.getByRole('region', { name: 'Backups' });
  await section.getByRole('link', { name: 'Backups' }).click();
  await expect(page).toHaveURL(/\/admin\/settings\/backups$/);
  await expect(page.getByRole('heading', { name: 'Backups', level: 1 })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('There is no verified backup yet.');
  await expect(page.getByText('The folder holds no backups yet.')).toBeVisible();

  // "Back up now" is a sensitive change: the owner confirms who they are when the last proof is old.
  const backUpNow = page.getByRole('button', { name: 'Back up now' });
  const queued = page.getByRole('status').filter({ hasText: 'A backup is queued.' });
  const confirm = page.getByRole('heading', { name: 'Confirm it is you', level: 1 });
  await backUpNow.click();
  await expect(queued.or(confirm)).toBeVisible();
  if (await confirm.isVisible()) {
    await page.getByLabel('Your password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Confirm with password' }).click();
    await expect(page).toHaveURL(/\/admin\/settings\/backups$/);
    await backUpNow.click();
  }
  await expect(queued).toBeVisible();

  // The worker runs the backup (write, verify, keep) on its own time: reload until it is done.
  await expect(async () => {
    await page.reload();
    await expect(page.getByText(/^Last verified backup: /)).toBeVisible({ timeout: 1_000 });
  }, 'the page reports the verified backup').toPass({ timeout: 40_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);

  const kept = page.getByRole('table', { name: 'Backups in the folder, newest first' }).getByRole('row').nth(1);
  const fileName = (await kept.getByRole('rowheader').textContent())?.trim() ?? '';
  expect(fileName).toMatch(BACKUP_NAME);
  expect(Number(await kept.getByRole('cell').first().textContent())).toBeGreaterThan(0);

  expect(await downloadBackup(page, kept.getByRole('link', { name: `Download ${fileName}` }))).toBe(fileName);
  await downloadBackup(page, page.getByRole('link', { name: 'Download a fresh backup' }));
});

test('a backup download is a gzip attachment that is never cached', async ({ page, context }) => {
  await signInOwner(context);
  const response = await page.request.get('/admin/settings/backups/download?fresh');
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers['content-type']).toBe('application/gzip');
  expect(headers['content-disposition']).toMatch(/^attachment; filename="herald-\d{8}T\d{6}Z\.herald\.gz"$/);
  expect(headers['cache-control']).toBe('no-store');
  expect(gunzipSync(await response.body()).length).toBeGreaterThan(0);
});

test('a download name outside the backup pattern is a 404', async ({ page, context }) => {
  await signInOwner(context);
  const response = await page.goto('/admin/settings/backups/download?file=../herald.lock');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

/** The staff members' own browser contexts, closed after each test. */
const opened: BrowserContext[] = [];

test.afterEach(async () => {
  for (const item of opened.splice(0)) await item.close();
});

const downloads = ['/admin/settings/backups/download?fresh', `/admin/settings/backups/download?file=${SOME_BACKUP_NAME}`];

for (const [role, who] of [
  ['Admin', 'an admin'],
  ['Responder', 'a responder'],
] as const) {
  test(`${who} gets neither the backups page nor a download`, async ({ browser, context }) => {
    const page = await signedInStaff(browser, context, role, { client: '198.51.100.81', opened });
    const response = await page.goto('/admin/settings/backups');
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('heading', { name: 'Not allowed', level: 1 })).toBeVisible();
    await expect(page.getByText('This page needs the Owner role or above.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Back up now' })).toHaveCount(0);
    for (const url of downloads) {
      const refused = await page.request.get(url);
      expect(refused.status(), url).toBe(403);
      expect(refused.headers()['content-type'], url).toContain('text/html');
      expect(await refused.text(), url).toContain('Not allowed');
    }
    // Nor does Settings (which an admin may open) show them the way there.
    await page.goto('/admin/settings');
    await expect(page.getByRole('link', { name: 'Backups' })).toHaveCount(0);
    await page.context().close();
  });
}

test('a signed-out visitor is sent to sign in, for the page and for a download', async ({ page }) => {
  await page.goto('/admin/settings/backups');
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fsettings%2Fbackups$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  for (const url of downloads) {
    const response = await page.request.get(url, { maxRedirects: 0 });
    expect(response.status(), url).toBe(303);
    expect(response.headers()['location'], url).toBe(`/login?next=${encodeURIComponent(url)}`);
  }
});
