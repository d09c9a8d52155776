import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { canManageUser, roles, type Role } from '../../../domain/roles';
import { hashPassword, passwordSchema, verifyPassword } from '../../auth/password';
import { invalidateUserSessions } from '../../auth/session';
import { issueToken, parseToken, secretMatches } from '../../auth/tokens';
import type { Database } from '../../db';
import { passwordToken, user, type UserRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { conflict, forbidden, invalid, notFound, success, type ServiceResult } from '../kernel/errors';
import { insertOne, lockRow, updateOne, type Transaction } from '../kernel/rows';
import { parseInput, requiredText } from '../kernel/validation';

export type PublicUser = Omit<UserRow, 'passwordHash'> & { hasPassword: boolean };

/** How long a set-password link stays valid. */
export const PASSWORD_LINK_TTL_MS = 72 * 60 * 60 * 1000;

const emailInput = z
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

export const ownerSetupInput = z
  .object({ email: emailInput, name: requiredText('Name', 100), password: passwordSchema, confirmPassword: z.string() })
  .refine((value) => value.password === value.confirmPassword, { path: ['confirmPassword'], error: 'The passwords do not match.' });

export const setPasswordInput = z
  .object({ password: passwordSchema, confirmPassword: z.string() })
  .refine((value) => value.password === value.confirmPassword, { path: ['confirmPassword'], error: 'The passwords do not match.' });

export const changeRoleInput = z.object({ role: z.enum(roles, { error: 'Choose a role.' }) });

/** The acting staff member, with the role the server checked for this request. */
export interface StaffActor extends Actor {
  userId: string;
  role: Role;
}

function withoutHash({ passwordHash, ...rest }: UserRow): PublicUser {
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

/** Creates the first account, an owner, while no user exists; refused once one does. */
export async function createFirstOwner(
  context: ServiceContext,
  input: z.input<typeof ownerSetupInput>,
): Promise<ServiceResult<PublicUser>> {
  const parsed = parseInput(ownerSetupInput, input);
  if (!parsed.ok) return parsed;
  const passwordHash = await hashPassword(parsed.value.password);
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    // Two set-up forms submitted at once must not both create an owner.
    await tx.execute(sql`select pg_advisory_xact_lock(7414255002)`);
    if ((await countUsers({ db: tx })) > 0) return conflict('Herald is already set up.');
    const created = await insertOne(tx, user, {
      id: newId(),
      email: parsed.value.email,
      name: parsed.value.name,
      role: 'owner',
      passwordHash,
      createdAt: now,
    });
    await recordAudit(tx, { userId: created.id, label: labelOf(created) }, now, {
      action: 'user.setup_owner',
      entityType: 'user',
      entityId: created.id,
      after: withoutHash(created),
    });
    return success(withoutHash(created));
  });
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
    const token = await insertPasswordToken(tx, created.id, now);
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
    const created = await insertOne(tx, user, { id: newId(), ...values, passwordHash, createdAt: now });
    await recordAudit(tx, actor, now, { action: 'user.add', entityType: 'user', entityId: created.id, after: withoutHash(created) });
    return success(withoutHash(created));
  });
}

async function insertPasswordToken(
  tx: Transaction,
  userId: string,
  now: Date,
  options: { replaceEarlier: boolean } = { replaceEarlier: true },
): Promise<string> {
  // A new link from an admin replaces any earlier one that was not used; the invitation email's
  // own link sits beside the one shown to the admin, and using either spends both.
  if (options.replaceEarlier) await tx.delete(passwordToken).where(and(eq(passwordToken.userId, userId), isNull(passwordToken.usedAt)));
  const issued = issueToken();
  await tx.insert(passwordToken).values({
    id: issued.id,
    userId,
    secretHash: issued.secretHash,
    createdAt: now,
    expiresAt: new Date(now.getTime() + PASSWORD_LINK_TTL_MS),
  });
  return issued.token;
}

/** Locks the user `actor` may manage (and give `newRole`); refuses one's own account. */
async function findManageableUser(tx: Transaction, actor: StaffActor, userId: string, newRole?: Role): Promise<ServiceResult<UserRow>> {
  const target = await lockRow(tx, user, eq(user.id, userId));
  if (!target) return notFound('That user does not exist.');
  if (target.id === actor.userId) return forbidden('You cannot change your own account here.');
  if (!canManageUser(actor.role, target.role, newRole)) return forbidden('Only an owner can manage admins and owners.');
  return success(target);
}

export async function issuePasswordLink(context: ServiceContext, actor: StaffActor, userId: string): Promise<ServiceResult<string>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const target = await findManageableUser(tx, actor, userId);
    if (!target.ok) return target;
    const token = await insertPasswordToken(tx, userId, now);
    await recordAudit(tx, actor, now, { action: 'user.password_link', entityType: 'user', entityId: userId });
    return success(token);
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

/** Checks a set-password link without using it (for showing the form). */
export async function checkPasswordToken(context: ServiceContext, token: string): Promise<{ email: string } | null> {
  const found = await findUsablePasswordToken(context.db, token, context.clock.now());
  return found ? { email: found.email } : null;
}

async function findUsablePasswordToken(db: Database, token: string, now: Date) {
  const parts = parseToken(token);
  if (!parts) return null;
  const [row] = await db
    .select({
      id: passwordToken.id,
      userId: passwordToken.userId,
      secretHash: passwordToken.secretHash,
      expiresAt: passwordToken.expiresAt,
      usedAt: passwordToken.usedAt,
      email: user.email,
      disabledAt: user.disabledAt,
    })
    .from(passwordToken)
    .innerJoin(user, eq(user.id, passwordToken.userId))
    .where(eq(passwordToken.id, parts.id));
  if (!row || !secretMatches(parts.secret, row.secretHash)) return null;
  if (row.usedAt !== null || row.expiresAt <= now || row.disabledAt !== null) return null;
  return row;
}

/** Sets a password from a one-time link; the link is spent and the user's other sessions end. */
export async function setPasswordWithToken(
  context: ServiceContext,
  token: string,
  input: z.input<typeof setPasswordInput>,
): Promise<ServiceResult<{ userId: string }>> {
  const parsed = parseInput(setPasswordInput, input);
  if (!parsed.ok) return parsed;
  const passwordHash = await hashPassword(parsed.value.password);
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const found = await findUsablePasswordToken(tx, token, now);
    if (!found) return notFound('This link is invalid, used or expired. Ask an admin for a new one.');
    const [spent] = await tx
      .update(passwordToken)
      .set({ usedAt: now })
      .where(and(eq(passwordToken.id, found.id), isNull(passwordToken.usedAt)))
      .returning();
    if (!spent) return notFound('This link is invalid, used or expired. Ask an admin for a new one.');
    await tx.update(user).set({ passwordHash }).where(eq(user.id, found.userId));
    await tx.delete(passwordToken).where(and(eq(passwordToken.userId, found.userId), isNull(passwordToken.usedAt)));
    await invalidateUserSessions(tx, found.userId);
    await recordAudit(tx, { userId: found.userId, label: found.email }, now, {
      action: 'user.set_password',
      entityType: 'user',
      entityId: found.userId,
    });
    return success({ userId: found.userId });
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

/** A set-password link for an invitation email, minted when the email is sent (only its hash is stored). */
export async function mintInvitationLink(
  context: ServiceContext,
  userId: string,
): Promise<{ email: string; name: string; token: string } | null> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const [row] = await tx.select().from(user).where(eq(user.id, userId));
    if (!row || row.passwordHash !== null || row.disabledAt !== null) return null;
    return { email: row.email, name: row.name, token: await insertPasswordToken(tx, userId, now, { replaceEarlier: false }) };
  });
}
