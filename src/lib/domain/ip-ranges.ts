/**
 * IP addresses in text, and the words for why a webhook may not reach one: the pure half of
 * Herald's SSRF guard (the ranges are lib/server/services/webhooks/forbidden-addresses.ts, the DNS
 * half webhook-targets.ts). An address is written as Node and DNS give it: dotted IPv4, or IPv6 in
 * any of its textual forms (`::1`, `::ffff:127.0.0.1`, `fe80::1%eth0`).
 */

type AddressFamily = 4 | 6;

export interface ParsedAddress {
  family: AddressFamily;
  /** The address as one number: 32 bits for IPv4, 128 for IPv6. */
  value: bigint;
}

/** Why a range is refused, as shown to the person registering a webhook. */
export type RangeKind =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'tunnelled'
  | 'relay';

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
  tunnelled: 'an IPv6 transition address (6to4 or Teredo) that can reach private IPv4 addresses',
  relay: 'a 6to4 relay address, a gateway into IPv6 transition tunnels',
};

/** "a private network address", for messages. */
export function describeRange(kind: RangeKind): string {
  return kindWords[kind];
}
