import { describe, expect, it } from 'vitest';
import { roleFromClaim } from '../../src/lib/domain/sso-roles';

const values = {
  owner: ['herald-owners'],
  admin: ['herald-admins', 'platform'],
  responder: ['oncall'],
  viewer: ['staff'],
};

describe('roleFromClaim', () => {
  it('maps a single string claim', () => {
    expect(roleFromClaim('oncall', values)).toBe('responder');
    expect(roleFromClaim('platform', values)).toBe('admin');
  });

  it('gives the highest role any value of an array claim matches, whatever the order', () => {
    expect(roleFromClaim(['staff', 'oncall'], values)).toBe('responder');
    expect(roleFromClaim(['herald-owners', 'staff'], values)).toBe('owner');
    expect(roleFromClaim(['staff', 'herald-admins', 'oncall'], values)).toBe('admin');
  });

  it('is null when nothing matches', () => {
    expect(roleFromClaim(['finance', 'sales'], values)).toBeNull();
    expect(roleFromClaim('finance', values)).toBeNull();
    expect(roleFromClaim([], values)).toBeNull();
  });

  it('is null for a missing claim or one that is neither a string nor an array of strings', () => {
    expect(roleFromClaim(undefined, values)).toBeNull();
    expect(roleFromClaim(null, values)).toBeNull();
    expect(roleFromClaim(42, values)).toBeNull();
    expect(roleFromClaim({ staff: true }, values)).toBeNull();
    expect(roleFromClaim([1, { name: 'staff' }], values)).toBeNull();
  });

  it('ignores the non-string entries of an array and uses the rest', () => {
    expect(roleFromClaim([7, 'oncall', null], values)).toBe('responder');
  });

  it('compares exactly: case and surrounding text matter', () => {
    expect(roleFromClaim('Oncall', values)).toBeNull();
    expect(roleFromClaim('oncall ', values)).toBeNull();
    expect(roleFromClaim('staff,oncall', values)).toBeNull();
  });

  it('skips roles with no configured values', () => {
    const viewersOnly = { owner: [], admin: [], responder: [], viewer: ['everyone'] };
    expect(roleFromClaim(['everyone', 'herald-owners'], viewersOnly)).toBe('viewer');
    expect(roleFromClaim(['herald-owners'], viewersOnly)).toBeNull();
  });

  it('lets one value give several roles, the highest winning', () => {
    const shared = { owner: ['leads'], admin: ['leads'], responder: [], viewer: [] };
    expect(roleFromClaim('leads', shared)).toBe('owner');
  });
});
