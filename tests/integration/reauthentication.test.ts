import type { AstroCookies } from 'astro';
import { describe, expect, it } from 'vitest';
import { handleForm, type FormHandler, type FormRequest } from '../../src/forms/form';
import type { SessionUser } from '../../src/lib/server/auth/session';
import { MINUTE } from '../support/factories';
import { useTestContext } from '../support/test-database';

const { clock, context } = useTestContext({ start: '2026-03-01T12:00:00.000Z' });

/** The part of Astro's cookie jar that forms use: the notice left for the next page. */
function cookieJar() {
  const values = new Map<string, string>();
  const jar = {
    set: (name: string, value: string) => void values.set(name, value),
    get: (name: string) => (values.has(name) ? { value: values.get(name) } : undefined),
    delete: (name: string) => void values.delete(name),
  };
  return { jar: jar as unknown as AstroCookies, values };
}

const user: SessionUser = { id: 'u1', email: 'ada@example.com', name: 'Ada', role: 'owner' };

/** A POST of `intent` to `path` by a user who last proved who they are at `verifiedAt`. */
function postedForm(path: string, verifiedAt: Date) {
  const { jar, values } = cookieJar();
  const request = new Request(`http://herald.test${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ intent: 'sensitive' }).toString(),
  });
  const astro: FormRequest = {
    request,
    locals: { user, sessionId: 's1', sessionVerifiedAt: verifiedAt, context } as unknown as App.Locals,
    cookies: jar,
    redirect: (location, status = 302) => new Response(null, { status, headers: { Location: location } }),
  };
  return { astro, notices: values };
}

describe('re-authentication before a sensitive change', () => {
  let ran = 0;
  const sensitive: FormHandler = {
    role: 'viewer',
    reauthenticate: true,
    run: () => {
      ran += 1;
      return Promise.resolve({ ok: true, value: { location: '/admin/api-keys', notice: 'Done.' } });
    },
  };

  it('runs the change when the user proved who they are within 5 minutes', async () => {
    const { astro } = postedForm('/admin/api-keys', new Date(clock.now().getTime() - 4 * MINUTE));
    const outcome = await handleForm(astro, { sensitive });
    expect(outcome).toBeInstanceOf(Response);
    expect((outcome as Response).headers.get('Location')).toBe('/admin/api-keys');
    expect(ran).toBe(1);
  });

  it('sends the user to confirm it is them first, and back to the same page, when it was longer ago', async () => {
    const { astro, notices } = postedForm('/admin/users?tab=all', new Date(clock.now().getTime() - 5 * MINUTE));
    const outcome = await handleForm(astro, { sensitive });
    expect((outcome as Response).status).toBe(303);
    expect((outcome as Response).headers.get('Location')).toBe('/admin/confirm?next=%2Fadmin%2Fusers%3Ftab%3Dall');
    expect([...notices.values()]).toEqual(['For your security, confirm it is you. Then make the change again.']);
    expect(ran, 'nothing changed').toBe(1);
  });
});
