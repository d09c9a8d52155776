import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describeRange, parseIpAddress } from '../../../domain/ip-ranges';
import type { ServiceContext } from '../kernel/context';
import { getAllowPrivateWebhookTargets } from '../settings/page-settings';
import { forbiddenRangeOf } from './forbidden-addresses';

/**
 * Herald's guard against server-side request forgery through webhooks: a subscriber's or a
 * contact's URL must not make Herald POST into its own network. The host is resolved (every
 * address) when the URL is saved and again before every request, and refused when any address is
 * loopback, private, link-local, unique-local, unspecified, multicast, reserved or a tunnel into
 * IPv4 (6to4, Teredo; IPv4-mapped IPv6 forms included: forbidden-addresses.ts), unless an admin allows private targets in settings. The request then
 * connects through `guardedLookup`, which vets the addresses it hands to the socket itself, so
 * a DNS answer that changes between the check and the connection (DNS rebinding) cannot slip
 * an internal address in.
 */

const MAX_WEBHOOK_URL_LENGTH = 2000;

export type UrlCheck = { ok: true; url: string } | { ok: false; message: string };

/** A webhook URL as typed by a visitor: https only, no credentials, normalised by the URL parser. */
export function parseWebhookUrl(input: string): UrlCheck {
  const text = input.trim();
  if (text.length === 0) return { ok: false, message: 'Enter the URL Herald should POST to.' };
  if (text.length > MAX_WEBHOOK_URL_LENGTH)
    return { ok: false, message: `A webhook URL has at most ${MAX_WEBHOOK_URL_LENGTH} characters.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'Enter a full URL, such as https://example.com/hooks/status.' };
  }
  if (url.protocol === 'http:')
    return { ok: false, message: 'The URL must start with https://: Herald does not send webhooks over plain http.' };
  if (url.protocol !== 'https:') return { ok: false, message: 'The URL must start with https://.' };
  if (url.username || url.password)
    return { ok: false, message: 'The URL may not contain a user name or password; put a secret in its path or query instead.' };
  if (!url.hostname) return { ok: false, message: 'The URL needs a host name.' };
  // Browsers never send a fragment; neither does Herald.
  url.hash = '';
  return { ok: true, url: url.href };
}

/** The host of a URL as DNS or an IP parser wants it: IPv6 literals lose their brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Why a target is refused: its host does not resolve (now), or it is an address webhooks may not reach. */
export type TargetRefusal = 'unresolved' | 'forbidden';

export class WebhookTargetError extends Error {
  override name = 'WebhookTargetError';
  constructor(
    message: string,
    readonly refusal: TargetRefusal,
  ) {
    super(message);
  }
}

export interface TargetPolicy {
  allowPrivate: boolean;
}

/** The policy an admin chose in settings: private and loopback targets are refused unless allowed. */
export async function targetPolicy(context: Pick<ServiceContext, 'db'>): Promise<TargetPolicy> {
  return { allowPrivate: await getAllowPrivateWebhookTargets(context) };
}

/** The reason an address is refused, or null when it may be reached. */
export function refusalOf(address: string, policy: TargetPolicy): string | null {
  if (policy.allowPrivate) return null;
  const kind = forbiddenRangeOf(address);
  return kind ? `${address}, ${describeRange(kind)}` : null;
}

/** Every address a host name resolves to; the system's DNS unless a test hands in its own. */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, order: 'verbatim' }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/**
 * Every address the host resolves to, checked: throws a WebhookTargetError naming the first
 * refused one (a host with one internal address among public ones is refused as a whole).
 */
export async function vetHost(host: string, policy: TargetPolicy, resolver: Resolver = systemResolver): Promise<LookupAddress[]> {
  const literal = parseIpAddress(host);
  let addresses: LookupAddress[];
  if (literal) {
    addresses = [{ address: host, family: literal.family }];
  } else {
    try {
      addresses = await resolver(host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new WebhookTargetError(
        code === 'ENOTFOUND' || code === 'ENODATA'
          ? `The host ${host} does not resolve to an address.`
          : `The host ${host} could not be resolved (${code ?? 'DNS error'}).`,
        'unresolved',
      );
    }
  }
  if (addresses.length === 0) throw new WebhookTargetError(`The host ${host} does not resolve to an address.`, 'unresolved');
  for (const item of addresses) {
    const refusal = refusalOf(item.address, policy);
    if (refusal) {
      throw new WebhookTargetError(
        literal
          ? `The address ${refusal}, is not one webhooks may reach.`
          : `The host ${host} resolves to ${refusal}, which webhooks may not reach.`,
        'forbidden',
      );
    }
  }
  return addresses;
}

/** Checks a webhook URL's host; the message is meant for the person who gave the URL. */
export async function vetWebhookUrl(
  url: string,
  policy: TargetPolicy,
  resolver?: Resolver,
): Promise<{ ok: true } | { ok: false; message: string; refusal: TargetRefusal }> {
  try {
    await vetHost(hostOf(new URL(url)), policy, resolver);
    return { ok: true };
  } catch (error) {
    if (error instanceof WebhookTargetError) return { ok: false, message: error.message, refusal: error.refusal };
    throw error;
  }
}

/**
 * A `lookup` for node:http(s) that resolves the host itself and hands the socket only vetted
 * addresses. Node calls it for host names (not for IP literals, which vetHost checks before).
 */
export function guardedLookup(policy: TargetPolicy, resolver: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    vetHost(hostname, policy, resolver).then(
      (addresses) => {
        const wanted =
          options.family === 4 || options.family === 6 ? addresses.filter((item) => item.family === options.family) : addresses;
        const [first] = wanted;
        if (!first) {
          callback(Object.assign(new Error(`The host ${hostname} has no IPv${options.family} address.`), { code: 'ENOTFOUND' }), '', 0);
        } else if (options.all) {
          (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, wanted);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        callback(Object.assign(failure, { code: (failure as NodeJS.ErrnoException).code ?? 'EWEBHOOKTARGET' }), '', 0);
      },
    );
  };
}
