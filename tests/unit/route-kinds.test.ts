import { describe, expect, it } from 'vitest';
import { routeKindOf } from '../../src/lib/domain/route-kinds';

describe('routeKindOf', () => {
  it.each([
    ['/', 'public'],
    ['/history', 'public'],
    ['/incidents/abc123', 'public'],
    ['/badge.svg', 'public'],
    ['/components/abc/history.atom', 'public'],
    ['/api/v2/summary.json', 'public'],
    ['/api/v2/no-such.json', 'public'],
    ['/subscribe', 'public'],
    ['/unsubscribe/token', 'public'],
    ['/webhooks/contact/token', 'public'],
    ['/admin', 'admin'],
    ['/admin/incidents/abc', 'admin'],
    ['/login', 'admin'],
    ['/login/second-factor', 'admin'],
    ['/set-password/token', 'admin'],
    ['/api/admin/v1/components', 'api'],
    ['/api/intake/alertmanager', 'intake'],
    ['/_astro/site.abc123.css', 'assets'],
    ['/favicon.svg', 'assets'],
    ['/healthz', 'probes'],
    ['/readyz', 'probes'],
    ['/metrics', 'metrics'],
    ['/administrator', 'other'],
    ['/no-such-page', 'other'],
    ['/wp-login.php/x', 'other'],
  ])('%s is %s', (pathname, kind) => {
    expect(routeKindOf(pathname)).toBe(kind);
  });
});
