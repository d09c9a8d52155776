import { createPublicKey } from 'node:crypto';
import dns from 'node:dns';
import type { Config } from '../config';
import type { DoctorCheck } from './check';

/** The TXT records at a name, each in its character-strings (dns.promises.resolveTxt's shape). */
type ResolveTxt = (name: string) => Promise<string[][]>;

/** Answers that mean there is no such record, as opposed to DNS that did not answer. */
const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA']);

function systemResolveTxt(name: string): Promise<string[][]> {
  const resolver = new dns.promises.Resolver({ timeout: 3_000, tries: 2 });
  return resolver.resolveTxt(name);
}

/** The `p=` a DKIM record must carry for this private key: the SubjectPublicKeyInfo for RSA, the raw 32 bytes for Ed25519. */
function publicKeyTag(privateKey: string): { key: string; type: string } {
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  if (publicKey.asymmetricKeyType === 'ed25519') return { key: der.subarray(der.length - 32).toString('base64'), type: 'ed25519' };
  return { key: der.toString('base64'), type: 'rsa' };
}

/** A DKIM record's tags (`v=DKIM1; k=rsa; p=…`), values without their folding whitespace. */
function tagsOf(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const equals = part.indexOf('=');
    if (equals > 0) tags.set(part.slice(0, equals).trim(), part.slice(equals + 1).replace(/\s+/g, ''));
  }
  return tags;
}

/**
 * DKIM_PRIVATE_KEY against the public key published at `<selector>._domainkey.<domain>`: a
 * missing record or another key fails (receivers would reject the signature), DNS that does not
 * answer warns.
 */
export async function checkDkim(
  settings: Pick<Config, 'dkim' | 'smtpUrl'>,
  resolveTxt: ResolveTxt = systemResolveTxt,
): Promise<DoctorCheck> {
  const { dkim } = settings;
  if (!dkim) {
    if (!settings.smtpUrl) return { name: 'dkim', status: 'ok', line: 'not configured (mail goes to the outbox folder)' };
    return {
      name: 'dkim',
      status: 'warn',
      line: 'not configured: messages go out unsigned, and more of them land in spam',
      fix: 'set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY, and publish the public key in DNS',
    };
  }
  const name = `${dkim.keySelector}._domainkey.${dkim.domainName}`;
  let expected: { key: string; type: string };
  try {
    expected = publicKeyTag(dkim.privateKey);
  } catch (error) {
    return {
      name: 'dkim',
      status: 'fail',
      line: `DKIM_PRIVATE_KEY is not a usable private key: ${error instanceof Error ? error.message : String(error)}`,
      fix: 'give the PEM private key (or the path of a file holding it)',
    };
  }
  const publish = `publish ${name} TXT "v=DKIM1; k=${expected.type}; p=${expected.key}"`;
  let records: string[][];
  try {
    records = await resolveTxt(name);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (NO_RECORD.has(code)) return { name: 'dkim', status: 'fail', line: `no TXT record at ${name}`, fix: publish };
    return {
      name: 'dkim',
      status: 'warn',
      line: `DNS did not answer for ${name} (${code || String(error)}): the key was not compared`,
      fix: 'run doctor again where DNS is reachable',
    };
  }
  const published = records.map((parts) => tagsOf(parts.join(''))).filter((tags) => tags.has('p'));
  if (published.length === 0)
    return { name: 'dkim', status: 'fail', line: `the TXT record at ${name} holds no DKIM key (p=)`, fix: publish };
  if (published.some((tags) => tags.get('p') === expected.key))
    return { name: 'dkim', status: 'ok', line: `the key at ${name} matches DKIM_PRIVATE_KEY` };
  return {
    name: 'dkim',
    status: 'fail',
    line: `the key published at ${name} does not match DKIM_PRIVATE_KEY: receivers will reject the signatures`,
    fix: publish,
  };
}
