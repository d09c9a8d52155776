import { startOidcProvider } from './oidc-provider';

/**
 * The test OpenID provider as a process of its own, for the browser tests (playwright.config.ts
 * starts it beside Herald): `OIDC_PROVIDER_PORT` is its port, `OIDC_PROVIDER_REDIRECT_URI` the
 * callback of the Herald it serves. Accounts come from the login name (accountFromLogin).
 */
const port = Number(process.env.OIDC_PROVIDER_PORT);
const redirectUri = process.env.OIDC_PROVIDER_REDIRECT_URI;
if (!Number.isInteger(port) || port <= 0 || !redirectUri) {
  throw new Error('set OIDC_PROVIDER_PORT and OIDC_PROVIDER_REDIRECT_URI');
}

const provider = await startOidcProvider({ port, redirectUris: [redirectUri] });
console.log(`test OpenID provider at ${provider.issuer}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void provider.close().then(() => process.exit(0)));
}
