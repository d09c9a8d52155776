import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { addComponent, asClient, baseUrl, disableHttpCache, sameOrigin, unique } from './support/herald';
import { seed } from './support/seed';
import { signedInStaff, type StaffRole } from './support/staff';

/**
 * Templates. Incident templates: an admin writes a declaration ahead of time (name, title, message, status,
 * severity, a component's status, the notify choice), edits it, and may not give two templates
 * one name; a responder starts the declare form from it, changes the title and declares, and the
 * public incident page shows what the template said; responders and viewers cannot add, change
 * or delete templates; a deleted template is gone from the list and from the declare form.
 * Maintenance templates: an admin writes a window ahead of time; a responder may not add one, but
 * starts the schedule form from it with a start, finds it filled (the end the template's duration
 * later), changes the title and schedules.
 *
 * Each test makes its own people (added by the owner, signed in through their set-password link
 * in a browser of their own), component and template, with unique names, so any test runs alone
 * or in any order; the incidents it declares are resolved after it.
 */

test.use(asClient('198.51.100.91'));

interface Template {
  name: string;
  title: string;
  message: string;
  /** Neither is the form's default, so a filled-in form shows they came from the template. */
  status: 'Identified';
  /** What the classifier suggests for a partial outage: declaring needs no reason for another severity. */
  severity: 'High';
  component: string;
  componentStatus: 'Partial outage';
  notify: false;
}

/** The template's message: two lines, which the public page keeps apart. */
const MESSAGE_LINES = ['Searches take longer than usual and some time out.', 'We have found the cause and are fixing it.'];

/** A template on `component` no other test has used. */
function newTemplate(component: string): Template {
  return {
    name: unique('Search degraded'),
    title: unique('Search results are slow'),
    message: MESSAGE_LINES.join('\n'),
    status: 'Identified',
    severity: 'High',
    component,
    componentStatus: 'Partial outage',
    notify: false,
  };
}

/** Browser contexts a test opened (each person's own browser), closed after it. */
const opened: BrowserContext[] = [];
/** Incidents the running test declared, resolved after it so later files see an operational page. */
const declared: string[] = [];

test.afterEach(async ({ browser, request }) => {
  for (const item of opened.splice(0)) await item.close();
  if (declared.length === 0) return;
  const api = await seed(browser, request);
  for (const id of declared.splice(0)) await api.resolveIfOpen(id);
});

/** A person of `role`, signed in in a browser of their own (closed after the test). */
const staffPage = (browser: Browser, ownerContext: BrowserContext, role: StaffRole): Promise<Page> =>
  signedInStaff(browser, ownerContext, role, { client: '198.51.100.91', opened });

/** The "Add an incident template" form on /admin/templates. */
const addForm = (page: Page): Locator => page.getByRole('region', { name: 'Add an incident template' });

/** Fills an incident template form (the "Add an incident template" form or the edit page's). */
async function fillTemplate(form: Locator, template: Template): Promise<void> {
  await form.getByLabel('Template name').fill(template.name);
  await form.getByLabel('Incident title').fill(template.title);
  await form.getByLabel('Status', { exact: true }).selectOption({ label: template.status });
  await form.getByLabel('Severity', { exact: true }).selectOption({ label: template.severity });
  await form.getByLabel('Message', { exact: true }).fill(template.message);
  await form
    .getByRole('group', { name: 'Affected components' })
    .getByLabel(template.component, { exact: true })
    .selectOption({ label: template.componentStatus });
  await form.getByLabel('Notify subscribers').setChecked(template.notify);
}

/** Adds `template` through /admin/templates as the signed-in admin of `page`. */
async function addTemplate(page: Page, template: Template): Promise<void> {
  await page.goto('/admin/templates');
  await fillTemplate(addForm(page), template);
  await addForm(page).getByRole('button', { name: 'Add incident template' }).click();
  await expect(page).toHaveURL(/\/admin\/templates$/);
  await expect(page.getByRole('status')).toContainText(`Template “${template.name}” added.`);
}

/** A template's entry in a list on /admin/templates (incident templates unless told), found by its name. */
function listed(page: Page, name: string, list = 'Incident templates'): Locator {
  return page
    .getByRole('region', { name: list, exact: true })
    .getByRole('listitem')
    .filter({ has: page.getByText(name, { exact: true }) });
}

/** A template's id, read from its "Declare from this" link on /admin/templates (which every staff role sees). */
async function templateId(page: Page, name: string): Promise<string> {
  await page.goto('/admin/templates');
  const href = await listed(page, name)
    .getByRole('link', { name: `Declare from this template: ${name}` })
    .getAttribute('href');
  const id = href?.match(/^\/admin\/incidents\/new\?template=([a-z0-9]+)$/)?.[1];
  if (!id) throw new Error(`no "Declare from this" link for ${name}`);
  return id;
}

/** An admin with a fresh component and a template on it. */
async function adminWithTemplate(browser: Browser, ownerContext: BrowserContext) {
  const admin = await staffPage(browser, ownerContext, 'Admin');
  const component = unique('Search API');
  await addComponent(admin, component);
  const template = newTemplate(component);
  await addTemplate(admin, template);
  return { admin, template, id: await templateId(admin, template.name) };
}

/** The admin (on `page`) finds the template as it was: one entry of its name, with its title. */
async function unchanged(page: Page, template: Template): Promise<void> {
  await page.goto('/admin/templates');
  await expect(listed(page, template.name)).toHaveCount(1);
  await expect(listed(page, template.name)).toContainText(`“${template.title}”`);
}

test('an admin adds a template, sees it listed, edits its title, and may not give another template its name', async ({
  browser,
  context,
}) => {
  const admin = await staffPage(browser, context, 'Admin');
  const component = unique('Search API');
  await addComponent(admin, component);
  const template = newTemplate(component);
  await addTemplate(admin, template);

  const entry = listed(admin, template.name);
  await expect(entry).toContainText(`“${template.title}”`);
  await expect(entry).toContainText(template.status);
  await expect(entry).toContainText(template.severity);
  await expect(entry).toContainText('Does not notify subscribers');
  await expect(entry).toContainText(`${component}: ${template.componentStatus}`);

  // The edit page holds what was saved; the admin changes the title.
  await entry.getByRole('link', { name: `Edit ${template.name}` }).click();
  await expect(admin.getByRole('heading', { level: 1 })).toHaveText(`Edit template “${template.name}”`);
  const details = admin.getByRole('region', { name: 'Template details' });
  await expect(details.getByLabel('Template name')).toHaveValue(template.name);
  await expect(details.getByLabel('Incident title')).toHaveValue(template.title);
  await expect(details.getByLabel('Status', { exact: true })).toHaveValue('identified');
  await expect(details.getByLabel('Severity', { exact: true })).toHaveValue('high');
  await expect(details.getByLabel('Message', { exact: true })).toHaveValue(template.message);
  await expect(details.getByRole('group', { name: 'Affected components' }).getByLabel(component, { exact: true })).toHaveValue(
    'partial_outage',
  );
  await expect(details.getByLabel('Notify subscribers')).not.toBeChecked();
  const newTitle = unique('Search is slow for some customers');
  await details.getByLabel('Incident title').fill(newTitle);
  await details.getByRole('button', { name: 'Save template' }).click();
  await expect(admin).toHaveURL(/\/admin\/templates$/);
  await expect(admin.getByRole('status')).toContainText(`Template “${template.name}” saved.`);
  await expect(entry).toContainText(`“${newTitle}”`);
  await expect(entry).not.toContainText(template.title);

  // A second template of the same name is refused, with the message by the name field.
  const duplicate = { ...newTemplate(component), name: template.name };
  await fillTemplate(addForm(admin), duplicate);
  const answer = admin.waitForResponse(
    (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/admin/templates',
  );
  await addForm(admin).getByRole('button', { name: 'Add incident template' }).click();
  expect((await answer).status()).toBe(422);
  await expect(admin.getByRole('alert')).toContainText('Please correct the highlighted fields.');
  const name = addForm(admin).getByLabel('Template name');
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(name).toHaveAccessibleDescription('Another template already has this name.');
  await expect(addForm(admin).getByText('Another template already has this name.')).toBeVisible();
  // What was typed is kept.
  await expect(addForm(admin).getByLabel('Incident title')).toHaveValue(duplicate.title);

  // Nothing was saved: still one template of that name, with the edited title.
  await unchanged(admin, { ...template, title: newTitle });
  await expect(admin.getByRole('region', { name: 'Incident templates', exact: true })).not.toContainText(duplicate.title);
});

test('a responder starts the declare form from a template, changes the title and declares; the public page shows the rest', async ({
  browser,
  context,
}) => {
  const { template } = await adminWithTemplate(browser, context);
  const responder = await staffPage(browser, context, 'Responder');

  await responder.goto('/admin/incidents/new');
  await responder.getByRole('combobox', { name: 'Start from a template' }).selectOption({ label: template.name });
  await responder.getByRole('button', { name: 'Fill in the form' }).click();
  await expect(responder).toHaveURL(/\/admin\/incidents\/new\?template=[a-z0-9]+$/);

  // The form holds the template's values, none of them posted yet.
  await expect(responder.getByLabel('Title')).toHaveValue(template.title);
  await expect(responder.getByLabel('First message')).toHaveValue(template.message);
  await expect(responder.getByLabel('Status', { exact: true })).toHaveValue('identified');
  await expect(responder.getByRole('radio', { name: template.severity, exact: true })).toBeChecked();
  const affected = responder.getByRole('group', { name: 'Affected components' });
  await expect(affected.getByLabel(template.component, { exact: true })).toHaveValue('partial_outage');
  await expect(responder.getByLabel('Notify subscribers')).not.toBeChecked();
  // High is what a partial outage suggests: no reason is asked for.
  await expect(responder.getByLabel('Why a different severity?')).toBeHidden();

  const title = unique('Search slow in Europe');
  await responder.getByLabel('Title').fill(title);
  await responder.getByRole('button', { name: 'Declare incident' }).click();
  await expect(responder).toHaveURL(/\/admin\/incidents\/[a-z0-9]+$/);
  await expect(responder.getByRole('status')).toContainText('Incident declared.');
  await expect(responder.getByRole('heading', { level: 1 })).toHaveText(title);
  const incidentId = new URL(responder.url()).pathname.split('/').at(-1) ?? '';
  declared.push(incidentId);

  const visitor = await browser.newContext({ baseURL: baseUrl() });
  opened.push(visitor);
  await disableHttpCache(visitor);
  const page = await visitor.newPage();
  const response = await page.goto(`/incidents/${incidentId}`);
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(page.getByRole('article')).toContainText(`Incident · ${template.status}`);
  await expect(page.getByRole('article')).not.toContainText(template.title);
  for (const line of MESSAGE_LINES) await expect(page.getByRole('region', { name: 'Updates' })).toContainText(line);
  const component = page.getByRole('region', { name: 'Affected components' }).getByRole('listitem').filter({ hasText: template.component });
  await expect(component).toHaveCount(1);
  await expect(component).toContainText(template.componentStatus);
});

/**
 * Posts the template forms as the signed-in person of `page`: each answer is a 403 with the refusal
 * given. Returns the template name the posts carried, which no template may have afterwards.
 */
async function postsAreRefused(page: Page, id: string, refusal: { create: string; change: string }): Promise<string> {
  const name = unique('Posted by someone who may not');
  const posts = [
    { path: '/admin/templates', intent: 'create', expected: refusal.create },
    { path: '/admin/templates', intent: 'create-maintenance', expected: refusal.create },
    { path: `/admin/templates/${id}`, intent: 'save', expected: refusal.change },
    { path: `/admin/templates/${id}`, intent: 'delete', expected: refusal.change },
  ];
  for (const post of posts) {
    const response = await page.request.post(post.path, {
      headers: sameOrigin(),
      form: {
        intent: post.intent,
        name,
        title: 'Posted title',
        message: 'Posted message.',
        status: 'investigating',
        severity: 'low',
        description: 'Posted description.',
        durationMinutes: '30',
      },
      maxRedirects: 0,
    });
    expect(response.status(), `${post.intent} on ${post.path}`).toBe(403);
    expect(await response.text(), `${post.intent} on ${post.path}`).toContain(post.expected);
  }
  return name;
}

test('a responder sees the templates but no form to add or edit one, and posting the forms is refused', async ({ browser, context }) => {
  const { admin, template, id } = await adminWithTemplate(browser, context);
  const responder = await staffPage(browser, context, 'Responder');

  await responder.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Templates', exact: true }).click();
  await expect(responder.getByRole('heading', { name: 'Templates', level: 1 })).toBeVisible();
  await expect(listed(responder, template.name)).toContainText(`“${template.title}”`);
  await expect(addForm(responder)).toHaveCount(0);
  await expect(responder.getByRole('button', { name: /^Add .* template$/ })).toHaveCount(0);
  await expect(listed(responder, template.name).getByRole('link', { name: /^Edit/ })).toHaveCount(0);

  const edit = await responder.goto(`/admin/templates/${id}`);
  expect(edit?.status()).toBe(403);
  await expect(responder.getByRole('heading', { name: 'Not allowed', level: 1 })).toBeVisible();
  await expect(responder.getByText('This page needs the Admin role or above.')).toBeVisible();
  await expect(responder.getByRole('button', { name: 'Save template' })).toHaveCount(0);
  await expect(responder.getByRole('button', { name: /^Delete template/ })).toHaveCount(0);

  const posted = await postsAreRefused(responder, id, {
    create: 'This needs the Admin role or above; you are a Responder.',
    change: 'Not allowed',
  });
  await unchanged(admin, template);
  await expect(admin.getByRole('main')).not.toContainText(posted);
});

test('a viewer gets neither the templates page nor the edit page, and posting the forms is refused', async ({ browser, context }) => {
  const { admin, template, id } = await adminWithTemplate(browser, context);
  const viewer = await staffPage(browser, context, 'Viewer');

  for (const [path, role] of [
    ['/admin/templates', 'Responder'],
    [`/admin/templates/${id}`, 'Admin'],
  ] as const) {
    const response = await viewer.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(viewer.getByRole('heading', { name: 'Not allowed', level: 1 })).toBeVisible();
    await expect(viewer.getByText(`This page needs the ${role} role or above.`)).toBeVisible();
    await expect(viewer.getByText(template.name)).toHaveCount(0);
    await expect(viewer.getByLabel('Template name')).toHaveCount(0);
  }

  const posted = await postsAreRefused(viewer, id, { create: 'Not allowed', change: 'Not allowed' });
  await unchanged(admin, template);
  await expect(admin.getByRole('main')).not.toContainText(posted);
});

test('the admin deletes a template: it is gone from the list and from the declare form', async ({ browser, context }) => {
  const { admin, template, id } = await adminWithTemplate(browser, context);
  const choice = admin.getByRole('combobox', { name: 'Start from a template' }).getByRole('option', { name: template.name, exact: true });
  await admin.goto('/admin/incidents/new');
  await expect(choice).toHaveCount(1);

  await admin.goto(`/admin/templates/${id}`);
  await admin.getByRole('button', { name: `Delete template ${template.name}` }).click();
  await expect(admin).toHaveURL(/\/admin\/templates$/);
  await expect(admin.getByRole('status')).toContainText(`Template “${template.name}” deleted.`);
  await expect(listed(admin, template.name)).toHaveCount(0);

  await admin.goto('/admin/incidents/new');
  await expect(admin.getByRole('heading', { name: 'Declare incident', level: 1 })).toBeVisible();
  await expect(choice).toHaveCount(0);
  // A link to it made earlier fills in nothing, and says why.
  await admin.goto(`/admin/incidents/new?template=${id}`);
  await expect(admin.getByText('That template does not exist (it may have been deleted).')).toBeVisible();
  await expect(admin.getByLabel('Title')).toHaveValue('');
  expect((await admin.goto(`/admin/templates/${id}`))?.status()).toBe(404);
});
