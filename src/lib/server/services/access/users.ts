import { asc, count, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { canManageUser, roles, type Role } from '../../../domain/roles';
import { hashPassword, passwordSchema, verifyPassword } from '../../auth/password';
import { invalidateUserSessions } from '../../auth/session';
import { user, type UserRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { conflict, forbidden, invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { insertOne, lockRow, updateOne, type Transaction } from '../kernel/rows';
import { parseInput, requiredText } from '../kernel/validation';
import { insertPasswordToken } from './passwords';

export type PublicUser = Omit<UserRow, 'passwordHash'> & { hasPassword: boolean };

/** An email address as typed: trimmed, checked, lower-cased. */
export const emailInput = z
  .string({ error: 'Email is required.' })
  .trim()
  .max(254, 'Email must be at most 254 characters.')
  .pipe(z.email({ error: 'Enter a valid email address.' }))
  .transform((value) => value.toLowerCase());

export const newUserInput = z.object({
  email: emailInput,
  name: requiredText('Name', 100),
  role: z.enum(roles, { error: 'Choose a role.' }),
});

export const changeRoleInput = z.object({ role: z.enum(roles, { error: 'Choose a role.' }) });

/** The acting staff member, with the role the server checked for this request. */
export interface StaffActor extends Actor {
  userId: string;
  role: Role;
}

export function withoutHash({ passwordHash, ...rest }: UserRow): PublicUser {
  return { ...rest, hasPassword: passwordHash !== null };
}

export async function countUsers(context: Pick<ServiceContext, 'db'>): Promise<number> {
  const [row] = await context.db.select({ value: count() }).from(user);
  return row?.value ?? 0;
}

export async function listUsers(context: ServiceContext): Promise<PublicUser[]> {
  const rows = await context.db.select().from(user).orderBy(asc(user.createdAt));
  return rows.map(withoutHash);
}

async function emailTaken(tx: Transaction, email: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: user.id })
    .from(user)
    .where(eq(sql`lower(${user.email})`, email.toLowerCase()));
  return row !== undefined;
}

export function labelOf(person: { name: string; email: string }): string {
  return `${person.name} <${person.email}>`;
}

/**
 * Adds a user (without a password) and returns a one-time link token for setting one.
 * Only an owner may add admins or owners.
 */
export async function addUser(
  context: ServiceContext,
  actor: StaffActor,
  input: z.input<typeof newUserInput>,
): Promise<ServiceResult<{ user: PublicUser; passwordToken: string }>> {
  const parsed = parseInput(newUserInput, input);
  if (!parsed.ok) return parsed;
  if (!canManageUser(actor.role, 'viewer', parsed.value.role)) return forbidden('Only an owner can add admins or owners.');
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    if (await emailTaken(tx, parsed.value.email)) return invalid({ email: 'A user with this email already exists.' });
    const created = await insertOne(tx, user, { id: newId(), ...parsed.value, createdAt: now });
    const token = await insertPasswordToken(tx, created.id, 'invitation', now);
    await context.queue.send(tx, 'user-invitation', { userId: created.id, invitedBy: actor.label });
    await recordAudit(tx, actor, now, { action: 'user.add', entityType: 'user', entityId: created.id, after: withoutHash(created) });
    return success({ user: withoutHash(created), passwordToken: token });
  });
}

/** For scripted installs: a user with a password, created from the command line. */
export async function createUserWithPassword(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof newUserInput> & { password: string },
): Promise<ServiceResult<PublicUser>> {
  const parsed = parseInput(newUserInput.extend({ password: passwordSchema }), input);
  if (!parsed.ok) return parsed;
  const { password, ...values } = parsed.value;
  const passwordHash = await hashPassword(password);
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    if (await emailTaken(tx, values.email)) return invalid({ email: 'A user with this email already exists.' });
    const created = await insertOne(tx, user, { id: newId(), ...values, passwordHash, passwordChangedAt: now, createdAt: now });
    await recordAudit(tx, actor, now, { action: 'user.add', entityType: 'user', entityId: created.id, after: withoutHash(created) });
    return success(withoutHash(created));
  });
}

/** Locks the user `actor` may manage (and give `newRole`); refuses one's own account. */
async function findManageableUser(tx: Transaction, actor: StaffActor, userId: string, newRole?: Role): Promise<ServiceResult<UserRow>> {
  const target = await lockRow(tx, user, eq(user.id, userId));
  if (!target) return notFound('That user does not exist.');
  if (target.id === actor.userId) return forbidden('You cannot change your own account here.');
  if (!canManageUser(actor.role, target.role, newRole)) return forbidden('Only an owner can manage admins and owners.');
  return success(target);
}

/**
 * A new set-password link, shown to the admin, for a user who has no password yet (an invitation
 * that expired or was lost). A user with a password gets a reset email instead: no admin ever
 * holds a link into an account that is in use.
 */
export async function issuePasswordLink(context: ServiceContext, actor: StaffActor, userId: string): Promise<ServiceResult<string>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const target = await findManageableUser(tx, actor, userId);
    if (!target.ok) return target;
    if (target.value.passwordHash !== null)
      return conflict(`${labelOf(target.value)} has a password already: send them a password reset email instead.`);
    if (target.value.disabledAt !== null) return conflict(`${labelOf(target.value)} is disabled: enable the account first.`);
    const token = await insertPasswordToken(tx, userId, 'invitation', now);
    await recordAudit(tx, actor, now, { action: 'user.password_link', entityType: 'user', entityId: userId });
    return success(token);
  });
}

/** Emails a user who has a password a reset link (the same email as /forgot-password sends). */
export async function sendPasswordResetEmail(
  context: ServiceContext,
  actor: StaffActor,
  userId: string,
): Promise<ServiceResult<PublicUser>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const target = await findManageableUser(tx, actor, userId);
    if (!target.ok) return target;
    if (target.value.disabledAt !== null) return conflict(`${labelOf(target.value)} is disabled: enable the account first.`);
    if (target.value.passwordHash === null)
      return conflict(`${labelOf(target.value)} has no password yet: make a new set-password link for them instead.`);
    await context.queue.send(tx, 'password-reset', { userId, requestedBy: { admin: actor.label } });
    await recordAudit(tx, actor, now, { action: 'user.password_reset_sent', entityType: 'user', entityId: userId });
    return success(withoutHash(target.value));
  });
}

export async function changeUserRole(
  context: ServiceContext,
  actor: StaffActor,
  userId: string,
  input: z.input<typeof changeRoleInput>,
): Promise<ServiceResult<PublicUser>> {
  const parsed = parseInput(changeRoleInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const target = await findManageableUser(tx, actor, userId, parsed.value.role);
    if (!target.ok) return target;
    const after = await updateOne(tx, user, eq(user.id, userId), { role: parsed.value.role });
    await recordAudit(tx, actor, now, {
      action: 'user.role',
      entityType: 'user',
      entityId: userId,
      before: { role: target.value.role },
      after: { role: after.role },
    });
    return success(withoutHash(after));
  });
}

/** Disables or re-enables an account; disabling ends its sessions at once. */
export async function setUserDisabled(
  context: ServiceContext,
  actor: StaffActor,
  userId: string,
  disabled: boolean,
): Promise<ServiceResult<PublicUser>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const target = await findManageableUser(tx, actor, userId);
    if (!target.ok) return target;
    const after = await updateOne(tx, user, eq(user.id, userId), { disabledAt: disabled ? now : null });
    if (disabled) await invalidateUserSessions(tx, userId);
    await recordAudit(tx, actor, now, {
      action: disabled ? 'user.disable' : 'user.enable',
      entityType: 'user',
      entityId: userId,
    });
    return success(withoutHash(after));
  });
}

/** The enabled user with this email and password, or null, in the same time either way. */
export async function authenticate(context: ServiceContext, email: string, password: string): Promise<UserRow | null> {
  const [row] = await context.db
    .select()
    .from(user)
    .where(eq(sql`lower(${user.email})`, email.trim().toLowerCase()));
  const matches = await verifyPassword(row?.passwordHash ?? null, password);
  if (!row || !matches || row.disabledAt !== null) return null;
  return row;
}
