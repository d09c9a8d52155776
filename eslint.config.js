// @ts-check
// ESLint for Herald: typescript-eslint's strict type-checked rules on TypeScript, its strict
// (syntax-only) rules and the Astro plugin's recommended rules on .astro files. Every rule is
// an error or off: there are no warnings to get used to.
import js from '@eslint/js';
import astro from 'eslint-plugin-astro';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'drizzle/', '.astro/', 'node_modules/', 'data/', 'test-results/', 'playwright-report/', 'coverage/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { globals: globals.node },
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Functions that implement a promise-returning contract (a form's run, an API route's
      // handle, a test fake) are async for their callers' sake, with or without an await.
      '@typescript-eslint/require-await': 'off',
      // Numbers read naturally in messages (`${count} subscribers`); strings that may be
      // undefined, objects and the rest stay errors.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `() => close()` as a callback is how the code is written; a void value is still an
      // error anywhere it could be mistaken for a result.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
      // openid-client marks allowInsecureRequests deprecated only to make it stand out; Herald
      // uses it for an http issuer on this machine alone (src/lib/server/auth/oidc.ts). Every
      // other deprecated API stays an error.
      '@typescript-eslint/no-deprecated': [
        'error',
        { allow: [{ from: 'package', package: 'openid-client', name: 'allowInsecureRequests' }] },
      ],
    },
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      // A test reads a row it has just written (`rows[0]!`): if it is missing, the test fails there.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests assert on untyped payloads (`await response.json()`, parsed XML) with expect;
      // typing every payload in a test would only repeat what the assertion says.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      // See no-unsafe-assignment above.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      // See no-unsafe-assignment above.
      '@typescript-eslint/no-unsafe-call': 'off',
      // See no-unsafe-assignment above.
      '@typescript-eslint/no-unsafe-argument': 'off',
      // See no-unsafe-assignment above.
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.astro'],
    extends: [tseslint.configs.strict, astro.configs['flat/recommended']],
  },
  {
    files: ['**/*.ts', '**/*.astro'],
    rules: {
      // `const { secret: _secret, ...rest } = row` drops a field on purpose: `_` marks it.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Served as is to browsers.
    files: ['public/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
);
