// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import tailwindcss from '@tailwindcss/vite';

export default defineConfig({
  output: 'server',
  // scripts/server.ts imports the built handler (autostart disabled) so that migrations and
  // configuration checks run before the first request is accepted.
  // No request body Herald accepts is larger than a 1 MB CSV import.
  adapter: node({ mode: 'standalone', bodySizeLimit: 2 * 1024 * 1024 }),
  // CSRF is checked for every non-GET request (forms and JSON) in src/middleware.ts.
  security: { checkOrigin: false },
  vite: {
    plugins: [tailwindcss()],
    ssr: { external: ['@electric-sql/pglite', '@node-rs/argon2', 'postgres', 'pino'] },
  },
});
