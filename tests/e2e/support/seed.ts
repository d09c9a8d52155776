import { expect, type APIRequestContext, type Browser } from '@playwright/test';
import { baseUrl, confirmItIsYou, signInOwner, unique } from './herald';

/**
 * Creating what a test needs without going through the pages it is not about: the server's
 * management API, called with an admin key. The key is made once per worker, through the admin
 * page as an owner would (the only way to get one), and reused by every test after that; each
 * test then creates its own components and incidents, with unique names, so any test can run
 * alone or in any order.
 *
 * The server runs in its own process on an embedded database that only it may open, so the
 * tests reach its services over HTTP, never by importing them.
 */

let adminToken: string | undefined;

/** An admin API key for this worker (made through /admin/api-keys the first time). */
async function seedToken(browser: Browser): Promise<string> {
  if (adminToken) return adminToken;
  const context = await browser.newContext({ baseURL: baseUrl() });
  try {
    await signInOwner(context);
    const page = await context.newPage();
    await confirmItIsYou(page);
    await page.goto('/admin/api-keys');
    await page.getByLabel('Name').fill(unique('e2e-seed'));
    await page.getByLabel('Role').selectOption('admin');
    await page.getByRole('button', { name: 'Create key' }).click();
    const token = await page.getByLabel('Your new API key').inputValue();
    expect(token, 'an admin key for seeding').toMatch(/^herald_/);
    adminToken = token;
    return token;
  } finally {
    await context.close();
  }
}

interface ComponentStatusInput {
  componentId: string;
  status: 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance';
}

export interface IncidentInput {
  title: string;
  message?: string;
  severity?: 'critical' | 'high' | 'medium' | 'low';
  status?: 'investigating' | 'identified' | 'monitoring';
  components?: ComponentStatusInput[];
  notifySubscribers?: boolean;
  signals?: string[];
}

/** The communication plan, as /api/admin/v1/settings/communication has it. */
export interface CommunicationPolicy {
  customerEmailDelaySeconds: number;
  outageSeverities: string[];
  updateCadence: Record<string, { everyMinutes: number | null; forFirstMinutes: number | null; thenEveryMinutes: number | null }>;
  postmortemSeverities: string[];
  postmortemWindowHours: number;
  postmortemReminderHours: number;
}

/** A client of the management API as an admin script: each call fails the test unless it succeeds. */
export async function seed(browser: Browser, request: APIRequestContext) {
  const token = await seedToken(browser);
  const headers = { Authorization: `Bearer ${token}` };

  async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, data?: unknown): Promise<T> {
    const response = await request.fetch(`/api/admin/v1${path}`, { method, headers, ...(data === undefined ? {} : { data }) });
    expect(response.ok(), `${method} ${path}: ${response.status()} ${await response.text()}`).toBe(true);
    const text = await response.text();
    return (text === '' ? null : JSON.parse(text)) as T;
  }

  return {
    call,

    /** A group; its id. */
    async group(name: string): Promise<string> {
      return (await call<{ id: string }>('POST', '/groups', { name })).id;
    },

    /** A component (in a group when given); its id. */
    async component(name: string, groupId?: string): Promise<string> {
      return (await call<{ id: string }>('POST', '/components', { name, ...(groupId ? { groupId } : {}) })).id;
    },

    /** Declares an incident (medium, investigating, no subscriber email unless asked); its id. */
    async incident(input: IncidentInput): Promise<string> {
      const body = {
        message: `${input.title}: we are investigating.`,
        status: 'investigating',
        notifySubscribers: false,
        ...(input.signals ? {} : { severity: 'medium' }),
        ...input,
      };
      return (await call<{ id: string }>('POST', '/incidents', body)).id;
    },

    /** Posts an update to an incident. */
    async update(
      incidentId: string,
      input: { status: 'investigating' | 'identified' | 'monitoring'; message: string; notifySubscribers?: boolean },
    ) {
      await call('POST', `/incidents/${incidentId}/updates`, { notifySubscribers: false, ...input });
    },

    /** Resolves an incident (quietly unless asked). */
    async resolve(incidentId: string, message = 'Resolved.', notifySubscribers = false) {
      await call('POST', `/incidents/${incidentId}/resolve`, { message, notifySubscribers });
    },

    /** Resolves an incident quietly unless it is resolved already (for clean-up after a test). */
    async resolveIfOpen(incidentId: string) {
      const current = await call<{ status: string }>('GET', `/incidents/${incidentId}`);
      if (current.status !== 'resolved')
        await call('POST', `/incidents/${incidentId}/resolve`, { message: 'Resolved.', notifySubscribers: false });
    },

    /** A confirmed subscriber to the components, as an admin adds one (no confirmation email); its id. */
    async subscriber(email: string, componentIds: string[]): Promise<string> {
      return (await call<{ id: string }>('POST', '/subscribers', { email, componentIds })).id;
    },

    /** The communication plan as saved (customerEmailDelaySeconds, …). */
    async communicationPolicy(): Promise<CommunicationPolicy> {
      return call<CommunicationPolicy>('GET', '/settings/communication');
    },

    /** Changes the communication plan (fields left out keep their values); the plan as saved. */
    async setCommunicationPolicy(input: Partial<CommunicationPolicy>): Promise<CommunicationPolicy> {
      return call<CommunicationPolicy>('PATCH', '/settings/communication', input);
    },
  };
}
