import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/lib/server/db/schema/index.ts', './src/lib/server/db/schema/automation.ts', './src/lib/server/db/schema/webhooks.ts'],
  out: './drizzle',
  casing: 'snake_case',
});
