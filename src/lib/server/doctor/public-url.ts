import type { Config } from '../config';
import type { DoctorCheck } from './check';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** PUBLIC_URL over https, or http only on this machine (trying Herald out). */
export function checkPublicUrl(settings: Pick<Config, 'publicUrl'>): DoctorCheck {
  const url = new URL(settings.publicUrl);
  const local = LOCAL_HOSTS.has(url.hostname) || url.hostname.endsWith('.localhost');
  if (url.protocol === 'https:') return { name: 'public url', status: 'ok', line: `${settings.publicUrl} is https` };
  if (local)
    return { name: 'public url', status: 'ok', line: `${settings.publicUrl} is http on this machine only (fine for trying Herald)` };
  return {
    name: 'public url',
    status: 'warn',
    line: `${settings.publicUrl} is plain http on a public host: sign-in cookies are not Secure and links in emails are not encrypted`,
    fix: `serve Herald over TLS (a reverse proxy in front) and set PUBLIC_URL=https://${url.host}`,
  };
}
