// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import tailwindcss from '@tailwindcss/vite';

export default defineConfig({
  output: 'server',
  // scripts/server.ts imports the built handler (autostart disabled) so that migrations and
  // configuration checks run before the first request is accepted.
  adapter: node({ mode: 'standalone' }),
  // CSRF is checked for every non-GET request (forms and JSON) in src/middleware.ts.
  security: { checkOrigin: false },
  vite: {
    plugins: [tailwindcss()],
    ssr: { external: ['@electric-sql/pglite', '@node-rs/argon2', 'postgres', 'pino'] },
  },
});
