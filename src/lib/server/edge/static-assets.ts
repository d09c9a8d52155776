import fs from 'node:fs';
import path from 'node:path';
import { storeResponse, type StoredResponse } from './stored-response';

/**
 * The built site's files (dist/client), read once at start and compressed once, served from
 * memory. Files under `/_astro/` carry a hash of their content in their name, so browsers and
 * CDNs may keep them for a year without asking again.
 */
const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.html': 'text/html; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
};
const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** Files outside `/_astro/` keep their name across releases (favicon.svg, local-time.js). */
const NAMED_FILE_CACHE_CONTROL = 'public, max-age=3600';
/** A site's own files are a few hundred kilobytes; a directory past this is not a build output. */
const MAX_FILES = 500;

export async function loadStaticAssets(clientDirectory: string): Promise<Map<string, StoredResponse>> {
  const assets = new Map<string, StoredResponse>();
  const files = listFiles(clientDirectory).slice(0, MAX_FILES);
  const now = Date.now();
  for (const file of files) {
    const urlPath = `/${path.relative(clientDirectory, file).split(path.sep).map(encodeURIComponent).join('/')}`;
    const headers = {
      'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': urlPath.startsWith('/_astro/') ? IMMUTABLE_CACHE_CONTROL : NAMED_FILE_CACHE_CONTROL,
      'x-content-type-options': 'nosniff',
    };
    assets.set(urlPath, await storeResponse({ status: 200, headers, body: fs.readFileSync(file) }, now, Number.POSITIVE_INFINITY));
  }
  return assets;
}

function listFiles(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}
