/** How a session began and what a sign-in event was, as the account pages say them. */

export const signInMethodLabels: Record<string, string> = {
  password: 'password',
  'password+totp': 'password and authenticator app',
  'password+passkey': 'password and passkey',
  'password+recovery_code': 'password and recovery code',
  sso: 'single sign-on',
  totp: 'authenticator app',
  passkey: 'passkey',
};

export const signInEventLabels: Record<string, string> = {
  'auth.sign_in': 'Signed in',
  'auth.sso_sign_in': 'Signed in with single sign-on',
  'auth.sign_in_failed': 'Failed sign-in',
  'auth.second_factor_failed': 'Wrong second factor',
  'auth.throttled': 'Sign-in refused: too many attempts',
  'auth.sso_refused': 'Single sign-on refused',
  'auth.reauthenticated': 'Confirmed it was you',
  'auth.password_reset_requested': 'Password reset requested',
};
