import { hasRole, type Role } from '../domain/roles';
import type { SessionUser } from './auth/session';

/** Whether the signed-in user may see or do something that needs `role`. */
export function allowed(user: SessionUser | null, role: Role): user is SessionUser {
  return user !== null && hasRole(user.role, role);
}
