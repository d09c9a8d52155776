import { roleLabels, type Role } from '../lib/domain/roles';
import { config } from '../lib/server/config';
import {
  addUser,
  changeUserRole,
  issuePasswordLink,
  labelOf,
  sendPasswordResetEmail,
  setUserDisabled,
} from '../lib/server/services/access/users';
import { type FormHandler } from './form';
import { fieldText as text } from './posted';

/** A posted role as the service's input type; the service's schema rejects anything else. */
const postedRole = (value: unknown): Role => text(value) as Role;

export const changeRoleForm: FormHandler = {
  role: 'admin',
  reauthenticate: true,
  async run({ values, actor, context }) {
    const result = await changeUserRole(context, actor, text(values.userId), { role: postedRole(values.role) });
    if (!result.ok) return result;
    return { ok: true, value: { location: '/admin/users', notice: `${labelOf(result.value)} is now ${roleLabels[result.value.role]}.` } };
  },
};

export const disableUserForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await setUserDisabled(context, actor, text(values.userId), true);
    if (!result.ok) return result;
    return { ok: true, value: { location: '/admin/users', notice: `${labelOf(result.value)} is disabled and signed out everywhere.` } };
  },
};

export const enableUserForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await setUserDisabled(context, actor, text(values.userId), false);
    if (!result.ok) return result;
    return { ok: true, value: { location: '/admin/users', notice: `${labelOf(result.value)} is enabled again.` } };
  },
};

/** For a user who has a password: a reset link by email, never a link shown to the admin. */
export const passwordResetEmailForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await sendPasswordResetEmail(context, actor, text(values.userId));
    if (!result.ok) return result;
    return { ok: true, value: { location: '/admin/users', notice: `A reset link was emailed to ${result.value.email}.` } };
  },
};

function setPasswordUrl(token: string): string {
  return `${config().publicUrl}/set-password/${token}`;
}

/** A set-password link just made, shown once in the answer to the POST. */
export interface IssuedLink {
  userId: string;
  notice: string;
  link: string;
}

export const addUserForm: FormHandler<IssuedLink> = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await addUser(context, actor, { email: text(values.email), name: text(values.name), role: postedRole(values.role) });
    if (!result.ok) return result;
    const { user, passwordToken } = result.value;
    return {
      ok: true,
      value: {
        shown: { userId: user.id, notice: `${labelOf(user)} was added as ${roleLabels[user.role]}.`, link: setPasswordUrl(passwordToken) },
      },
    };
  },
};

/** For a user who has no password yet (an invitation that expired or was lost). */
export const passwordLinkForm: FormHandler<IssuedLink> = {
  role: 'admin',
  async run({ values, actor, context }) {
    const userId = text(values.userId);
    const result = await issuePasswordLink(context, actor, userId);
    if (!result.ok) return result;
    return {
      ok: true,
      value: {
        shown: {
          userId,
          notice: 'A new set-password link was made; any earlier unused link for this user no longer works.',
          link: setPasswordUrl(result.value),
        },
      },
    };
  },
};
