// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import tailwindcss from '@tailwindcss/vite';
import packageJson from './package.json' with { type: 'json' };

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
    // The server build bundles everything but Herald's own runtime dependencies (package.json
    // `dependencies`, installed in production), so Astro, the adapter and what they use need no
    // install there: `npm install --omit=dev` then `npm run start:prod` runs dist/ alone.
    ssr: { noExternal: true, external: Object.keys(packageJson.dependencies) },
  },
});
