/**
 * Which IP addresses a webhook may not reach: the pure half of Herald's SSRF guard (the DNS half
 * is lib/server/services/webhooks/webhook-targets.ts). An address is written as Node and DNS give it:
 * dotted IPv4, or IPv6 in any of its textual forms (`::1`, `::ffff:127.0.0.1`, `fe80::1%eth0`).
 */

type AddressFamily = 4 | 6;

export interface ParsedAddress {
  family: AddressFamily;
  /** The address as one number: 32 bits for IPv4, 128 for IPv6. */
  value: bigint;
}

/** Why a range is refused, as shown to the person registering a webhook. */
export type RangeKind =
  'unspecified' | 'loopback' | 'private' | 'shared' | 'link-local' | 'unique-local' | 'multicast' | 'reserved' | 'documentation';

interface Range {
  prefix: bigint;
  bits: number;
  kind: RangeKind;
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    // Decimal only, as DNS answers and Node print them: no octal `010`, no hex `0x7f`.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(input: string): bigint | null {
  // A zone (`%eth0`) names an interface; it does not change the address.
  const text = input.replace(/%[^%]*$/, '');
  if (text.length === 0 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string, endsAddress: boolean): number[] | null => {
    if (part === '') return [];
    const pieces = part.split(':');
    const groups: number[] = [];
    for (const [index, piece] of pieces.entries()) {
      if (piece.includes('.')) {
        // An embedded IPv4 address may only end the address.
        if (!endsAddress || index !== pieces.length - 1) return null;
        const v4 = parseIpv4(piece);
        if (v4 === null) return null;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  // split always yields at least one part; a second one follows the `::`.
  const [before = '', after] = halves;
  const head = groupsOf(before, after === undefined);
  const tail = after === undefined ? [] : groupsOf(after, true);
  if (!head || !tail) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** An IP address in text, or null when it is not one (a host name, say). */
export function parseIpAddress(text: string): ParsedAddress | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIpv4(bare);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = bare.includes(':') ? parseIpv6(bare) : null;
  return v6 === null ? null : { family: 6, value: v6 };
}

/** A range of the tables below; a malformed one is a bug in them, so it throws. */
function rangeOf(cidr: string, kind: RangeKind, parse: (text: string) => bigint | null): Range {
  const [address = '', bits] = cidr.split('/');
  const prefix = parse(address);
  if (prefix === null || bits === undefined) throw new Error(`Not a CIDR range: ${cidr}`);
  return { prefix, bits: Number(bits), kind };
}
const v4 = (cidr: string, kind: RangeKind): Range => rangeOf(cidr, kind, parseIpv4);
const v6 = (cidr: string, kind: RangeKind): Range => rangeOf(cidr, kind, parseIpv6);

/** IPv4 ranges a webhook may not reach (RFC 6890's special-purpose registry, the parts that matter). */
const IPV4_RANGES: readonly Range[] = [
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'shared'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'documentation'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

const IPV6_RANGES: readonly Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('100::/64', 'reserved'),
  v6('2001:db8::/32', 'documentation'),
  v6('fc00::/7', 'unique-local'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'reserved'),
  v6('ff00::/8', 'multicast'),
];

/**
 * IPv6 ranges that carry an IPv4 address in their last 32 bits, which is what such an address
 * reaches: IPv4-mapped (`::ffff:10.0.0.1`), the old IPv4-compatible form (`::10.0.0.1`) and the
 * well-known NAT64 prefix (`64:ff9b::10.0.0.1`). The embedded address is judged as IPv4.
 */
const IPV4_CARRIERS: readonly Range[] = [v6('::ffff:0:0/96', 'reserved'), v6('::/96', 'reserved'), v6('64:ff9b::/96', 'reserved')];

function inRange(value: bigint, width: number, range: Range): boolean {
  const shift = BigInt(width - range.bits);
  return value >> shift === range.prefix >> shift;
}

/** The kind of range a refused address is in, or null when a webhook may reach it. */
export function forbiddenRangeOf(address: string | ParsedAddress): RangeKind | null {
  const parsed = typeof address === 'string' ? parseIpAddress(address) : address;
  // What cannot be read as an address cannot be vetted: refused.
  if (!parsed) return 'reserved';
  if (parsed.family === 4) return IPV4_RANGES.find((range) => inRange(parsed.value, 32, range))?.kind ?? null;
  // `::` and `::1` sit inside the IPv4-compatible block: judge them as themselves first.
  const own = IPV6_RANGES.find((range) => inRange(parsed.value, 128, range));
  if (own) return own.kind;
  if (IPV4_CARRIERS.some((range) => inRange(parsed.value, 128, range))) {
    return forbiddenRangeOf({ family: 4, value: parsed.value & 0xffffffffn });
  }
  return null;
}

const kindWords: Record<RangeKind, string> = {
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private network address',
  shared: 'a carrier-grade NAT address',
  'link-local': 'a link-local address',
  'unique-local': 'a unique-local address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  documentation: 'a documentation address',
};

/** "a private network address", for messages. */
export function describeRange(kind: RangeKind): string {
  return kindWords[kind];
}
