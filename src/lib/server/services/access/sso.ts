import { eq, sql } from 'drizzle-orm';
import type { Role } from '../../../domain/roles';
import { roleFromClaim } from '../../../domain/sso-roles';
import type { SsoIdentity } from '../../auth/oidc';
import { markSessionVerified } from '../../auth/session';
import type { SsoConfig } from '../../config';
import { user, type UserRow } from '../../db/schema';
import { newId } from '../../ids';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { forbidden, success, type ServiceResult } from '../kernel/errors';
import { lockRow, updateOne, type Transaction } from '../kernel/rows';
import { recordSignInEvent, type SignInAction } from './sign-in-log';
import { labelOf } from './users';

/** What the SSO services need of the configuration. */
type SsoSettings = Pick<SsoConfig, 'name' | 'roleValues' | 'createUsers'>;

/** Where the browser signing in is, for the sign-in log. */
export interface SsoRequestOrigin {
  address: string;
  userAgent: string;
}

/** A refused sign-in: the message the user reads, and the account it concerns when one matched. */
interface Refusal {
  refused: true;
  message: string;
  account: UserRow | null;
  reason: string;
}

type Resolution = { refused: false; account: UserRow } | Refusal;

const refusal = (message: string, reason: string, account: UserRow | null = null): Refusal => ({ refused: true, message, account, reason });

/** Writes by SSO itself (a linked account, a new user, a role that followed the claim) are audited under the provider's name. */
function ssoActor(settings: SsoSettings): Actor {
  return { userId: null, label: `SSO (${settings.name})` };
}

/** The issuer part of a subject (`<issuer> <sub>`): a link made at another issuer (OIDC_ISSUER changed) may be replaced. */
function issuerOf(subject: string): string {
  return subject.slice(0, subject.indexOf(' '));
}

function findBySubject(tx: Transaction, subject: string) {
  return lockRow(tx, user, eq(user.ssoSubject, subject));
}

function findByEmail(tx: Transaction, email: string) {
  return lockRow(tx, user, eq(sql`lower(${user.email})`, email));
}

/**
 * The Herald account the provider's user is: the one linked to their subject; else the one with
 * their email, linked now if the provider verified that email; else (when `createRole` is given)
 * a new account. Nothing is written unless the account is accepted.
 */
async function resolveAccount(
  tx: Transaction,
  settings: SsoSettings,
  identity: SsoIdentity,
  now: Date,
  createRole: Role | null,
): Promise<Resolution> {
  const linked = await findBySubject(tx, identity.subject);
  if (linked) return linked.disabledAt ? refusal('This Herald account is disabled. Ask an admin.', 'disabled', linked) : accepted(linked);
  if (!identity.email) {
    return refusal(`${settings.name} did not share your email address, so Herald cannot find your account.`, 'no_email');
  }
  const byEmail = await findByEmail(tx, identity.email);
  if (byEmail) {
    if (!identity.emailVerified) {
      return refusal(
        `A Herald account uses ${identity.email}, but ${settings.name} has not verified that address, so it cannot be linked to you. Ask an admin.`,
        'email_unverified',
        byEmail,
      );
    }
    if (byEmail.ssoSubject !== null && issuerOf(byEmail.ssoSubject) === issuerOf(identity.subject)) {
      return refusal(
        `The Herald account for ${identity.email} is linked to another ${settings.name} account.`,
        'linked_elsewhere',
        byEmail,
      );
    }
    if (byEmail.disabledAt) return refusal('This Herald account is disabled. Ask an admin.', 'disabled', byEmail);
    const linkedNow = await updateOne(tx, user, eq(user.id, byEmail.id), { ssoSubject: identity.subject });
    await recordAudit(tx, ssoActor(settings), now, {
      action: 'user.sso_link',
      entityType: 'user',
      entityId: byEmail.id,
      before: { ssoSubject: byEmail.ssoSubject },
      after: { ssoSubject: identity.subject },
    });
    return accepted(linkedNow);
  }
  if (!createRole) return refusal(`No Herald account for ${identity.email}; ask an admin to add you.`, 'no_account');
  // A second first sign-in racing this one may have just created the account: refuse rather than fail.
  const [created] = await tx
    .insert(user)
    .values({
      id: newId(),
      email: identity.email,
      name: (identity.name ?? identity.email).slice(0, 100),
      role: createRole,
      ssoSubject: identity.subject,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!created) return refusal('Your account is being created by another sign-in. Try again.', 'conflict');
  const { passwordHash: _hash, ...after } = created;
  await recordAudit(tx, ssoActor(settings), now, { action: 'user.add', entityType: 'user', entityId: created.id, after });
  return accepted(created);
}

function accepted(account: UserRow): Resolution {
  return { refused: false, account };
}

/** The account's role follows the provider's claim on every sign-in; a change is audited. */
async function followRole(tx: Transaction, settings: SsoSettings, account: UserRow, role: Role, now: Date): Promise<UserRow> {
  if (account.role === role) return account;
  const after = await updateOne(tx, user, eq(user.id, account.id), { role });
  await recordAudit(tx, ssoActor(settings), now, {
    action: 'user.role',
    entityType: 'user',
    entityId: account.id,
    before: { role: account.role },
    after: { role },
  });
  return after;
}

async function recordRefusal(
  context: ServiceContext,
  settings: SsoSettings,
  identity: SsoIdentity,
  origin: SsoRequestOrigin,
  found: Refusal,
): Promise<ServiceResult<never>> {
  await recordSignInEvent(
    context.db,
    {
      action: 'auth.sso_refused',
      userId: found.account?.id ?? null,
      label: found.account ? labelOf(found.account) : (identity.email ?? identity.subject),
      ...origin,
      detail: { provider: settings.name, reason: found.reason, subject: identity.subject },
    },
    context.clock.now(),
  );
  return forbidden(found.message);
}

function noRoleRefusal(settings: SsoSettings): Refusal {
  return refusal(
    `Your ${settings.name} account is not in any group that has a Herald role, so you cannot sign in. Ask an admin to add you to one.`,
    'no_role',
  );
}

async function recordSuccess(
  tx: Transaction,
  action: SignInAction,
  account: UserRow,
  origin: SsoRequestOrigin,
  now: Date,
  provider: string,
) {
  await recordSignInEvent(tx, { action, userId: account.id, label: labelOf(account), ...origin, detail: { method: 'sso', provider } }, now);
}

/**
 * Signs in the provider's user (the caller then starts the session): the role comes from the
 * claim, the account is found, linked or created (see resolveAccount), and its role follows
 * the claim. A refusal changes nothing and is logged as `auth.sso_refused`.
 */
export async function signInWithSso(
  context: ServiceContext,
  settings: SsoSettings,
  identity: SsoIdentity,
  origin: SsoRequestOrigin,
): Promise<ServiceResult<{ userId: string; role: Role }>> {
  const role = roleFromClaim(identity.roleClaim, settings.roleValues);
  if (!role) return recordRefusal(context, settings, identity, origin, noRoleRefusal(settings));
  const now = context.clock.now();
  const outcome = await context.db.transaction(async (tx) => {
    const found = await resolveAccount(tx, settings, identity, now, settings.createUsers ? role : null);
    if (found.refused) return found;
    const account = await followRole(tx, settings, found.account, role, now);
    await recordSuccess(tx, 'auth.sso_sign_in', account, origin, now, settings.name);
    return accepted(account);
  });
  if (outcome.refused) return recordRefusal(context, settings, identity, origin, outcome);
  return success({ userId: outcome.account.id, role: outcome.account.role });
}

/**
 * Re-authentication through the provider: the provider's user must be the one signed in to
 * this session (never a new account); then the session counts as just verified. The role
 * follows the claim here too, and a claim that maps to no role is refused.
 */
export async function reauthenticateWithSso(
  context: ServiceContext,
  settings: SsoSettings,
  identity: SsoIdentity,
  session: { userId: string; sessionId: string },
  origin: SsoRequestOrigin,
): Promise<ServiceResult<{ userId: string }>> {
  const role = roleFromClaim(identity.roleClaim, settings.roleValues);
  if (!role) return recordRefusal(context, settings, identity, origin, noRoleRefusal(settings));
  const now = context.clock.now();
  const outcome = await context.db.transaction(async (tx): Promise<Resolution> => {
    // Only the signed-in user's own account may be linked here, so look before resolveAccount writes.
    const linked = await findBySubject(tx, identity.subject);
    const candidate = linked ?? (identity.email ? await findByEmail(tx, identity.email) : undefined);
    if (candidate?.id !== session.userId) {
      return refusal(
        `You signed in at ${settings.name} as ${identity.email ?? 'someone else'}, which is not the account signed in here. Confirm with your own ${settings.name} account.`,
        'other_account',
        candidate ?? null,
      );
    }
    const found = await resolveAccount(tx, settings, identity, now, null);
    if (found.refused) return found;
    const account = await followRole(tx, settings, found.account, role, now);
    await markSessionVerified(tx, session.sessionId, now);
    await recordSuccess(tx, 'auth.reauthenticated', account, origin, now, settings.name);
    return accepted(account);
  });
  if (outcome.refused) return recordRefusal(context, settings, identity, origin, outcome);
  return success({ userId: outcome.account.id });
}
