/** Staff roles, each allowed everything the roles before it are. */
export const roles = ['viewer', 'responder', 'admin', 'owner'] as const;
export type Role = (typeof roles)[number];

export const roleLabels: Record<Role, string> = {
  viewer: 'Viewer',
  responder: 'Responder',
  admin: 'Admin',
  owner: 'Owner',
};

export const roleDescriptions: Record<Role, string> = {
  viewer: 'reads the admin area',
  responder: 'declares, updates and resolves incidents; sets component status',
  admin: 'also manages components, groups, settings and users',
  owner: 'also manages admins and owners',
};

export function hasRole(actual: Role, required: Role): boolean {
  return roles.indexOf(actual) >= roles.indexOf(required);
}

/** Only an owner may grant, change or remove the admin and owner roles. */
export function canManageUser(manager: Role, target: Role, newRole?: Role): boolean {
  if (!hasRole(manager, 'admin')) return false;
  const touchesPrivileged = hasRole(target, 'admin') || (newRole !== undefined && hasRole(newRole, 'admin'));
  return touchesPrivileged ? manager === 'owner' : true;
}
