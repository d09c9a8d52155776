import { describe, expect, it } from 'vitest';
import { canManageUser, hasRole, roleDescriptions, roleLabels, roles, type Role } from '../../src/lib/domain/roles';

describe('roles', () => {
  it('the ladder is viewer < responder < admin < owner', () => {
    expect(roles).toEqual(['viewer', 'responder', 'admin', 'owner']);
  });

  it('every role has a label and a description', () => {
    for (const role of roles) {
      expect(roleLabels[role]).toBeTruthy();
      expect(roleDescriptions[role]).toBeTruthy();
    }
  });
});

describe('hasRole', () => {
  // [actual, required, allowed]
  it.each<[Role, Role, boolean]>([
    ['viewer', 'viewer', true],
    ['viewer', 'responder', false],
    ['viewer', 'admin', false],
    ['viewer', 'owner', false],
    ['responder', 'viewer', true],
    ['responder', 'responder', true],
    ['responder', 'admin', false],
    ['responder', 'owner', false],
    ['admin', 'viewer', true],
    ['admin', 'responder', true],
    ['admin', 'admin', true],
    ['admin', 'owner', false],
    ['owner', 'viewer', true],
    ['owner', 'responder', true],
    ['owner', 'admin', true],
    ['owner', 'owner', true],
  ])('a %s meets a required %s role: %s (a role includes every role below it)', (actual, required, allowed) => {
    expect(hasRole(actual, required)).toBe(allowed);
  });
});

describe('canManageUser', () => {
  describe('managing an existing user without changing the role (e.g. removing them)', () => {
    // [manager, target, allowed]
    it.each<[Role, Role, boolean]>([
      ['owner', 'viewer', true],
      ['owner', 'responder', true],
      ['owner', 'admin', true],
      ['owner', 'owner', true],
      ['admin', 'viewer', true],
      ['admin', 'responder', true],
      ['admin', 'admin', false],
      ['admin', 'owner', false],
      ['responder', 'viewer', false],
      ['responder', 'responder', false],
      ['responder', 'admin', false],
      ['responder', 'owner', false],
      ['viewer', 'viewer', false],
      ['viewer', 'responder', false],
      ['viewer', 'admin', false],
      ['viewer', 'owner', false],
    ])('a %s managing a %s: %s', (manager, target, allowed) => {
      expect(canManageUser(manager, target)).toBe(allowed);
    });
  });

  describe('granting a new role', () => {
    it.each<[Role, Role]>([
      ['viewer', 'responder'],
      ['responder', 'viewer'],
      ['viewer', 'viewer'],
    ])('an admin may move a %s to %s (both below admin)', (target, newRole) => {
      expect(canManageUser('admin', target, newRole)).toBe(true);
    });

    it.each<[Role, Role]>([
      ['viewer', 'admin'],
      ['responder', 'admin'],
      ['viewer', 'owner'],
      ['responder', 'owner'],
    ])('an admin may not promote a %s to %s (only owners grant admin and owner)', (target, newRole) => {
      expect(canManageUser('admin', target, newRole)).toBe(false);
    });

    it.each<[Role, Role]>([
      ['admin', 'viewer'],
      ['admin', 'responder'],
      ['owner', 'viewer'],
      ['owner', 'admin'],
    ])('an admin may not demote a %s to %s (only owners change admins and owners)', (target, newRole) => {
      expect(canManageUser('admin', target, newRole)).toBe(false);
    });

    it.each(roles.flatMap((target) => roles.map((newRole) => [target, newRole] as [Role, Role])))(
      'an owner may move a %s to %s',
      (target, newRole) => {
        expect(canManageUser('owner', target, newRole)).toBe(true);
      },
    );

    it.each(
      (['responder', 'viewer'] as Role[]).flatMap((manager) =>
        roles.flatMap((target) => roles.map((newRole) => [manager, target, newRole] as [Role, Role, Role])),
      ),
    )('a %s may not move a %s to %s (responders and viewers manage nobody)', (manager, target, newRole) => {
      expect(canManageUser(manager, target, newRole)).toBe(false);
    });
  });
});
