import { BlockList } from 'node:net';
import { parseIpAddress, type ParsedAddress, type RangeKind } from '../../../domain/ip-ranges';

/**
 * Which IP addresses a webhook may not reach: the address half of Herald's SSRF guard (the DNS
 * half is webhook-targets.ts). The ranges are node:net BlockLists, one per kind of range, so that
 * the refusal can say why; lib/domain/ip-ranges.ts reads the text and words the reasons.
 */

type Family = 'ipv4' | 'ipv6';

/** One BlockList per kind, in the order they are asked. */
function blockLists(family: Family, ranges: readonly (readonly [cidr: string, kind: RangeKind])[]): [RangeKind, BlockList][] {
  const byKind = new Map<RangeKind, BlockList>();
  for (const [cidr, kind] of ranges) {
    const [network = '', bits = ''] = cidr.split('/');
    const list = byKind.get(kind) ?? new BlockList();
    list.addSubnet(network, Number(bits), family);
    byKind.set(kind, list);
  }
  return [...byKind];
}

/** IPv4 ranges a webhook may not reach (RFC 6890's special-purpose registry, the parts that matter). */
const IPV4_RANGES = blockLists('ipv4', [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  // The 6to4 relays' anycast address (RFC 3068, deprecated by RFC 7526): a way into tunnels.
  ['192.88.99.0/24', 'relay'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
]);

const IPV6_RANGES = blockLists('ipv6', [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['100::/64', 'reserved'],
  // Teredo and 6to4 carry an IPv4 address inside and tunnel to it, private ones included.
  ['2001::/32', 'tunnelled'],
  ['2001:db8::/32', 'documentation'],
  ['2002::/16', 'tunnelled'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'reserved'],
  ['ff00::/8', 'multicast'],
]);

/**
 * IPv6 ranges that carry an IPv4 address in their last 32 bits, which is what such an address
 * reaches: IPv4-mapped (`::ffff:10.0.0.1`), the old IPv4-compatible form (`::10.0.0.1`) and the
 * well-known NAT64 prefix (`64:ff9b::10.0.0.1`). The embedded address is judged as IPv4.
 */
const IPV4_CARRIERS = new BlockList();
for (const network of ['::ffff:0:0', '::', '64:ff9b::']) IPV4_CARRIERS.addSubnet(network, 96, 'ipv6');

/** The address in the one text form BlockList reads for sure: dotted, or eight hex groups. */
function textOf(address: ParsedAddress): string {
  if (address.family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  return Array.from({ length: 8 }, (_, index) => ((address.value >> BigInt(112 - 16 * index)) & 0xffffn).toString(16)).join(':');
}

function kindIn(lists: readonly [RangeKind, BlockList][], text: string, family: Family): RangeKind | null {
  return lists.find(([, list]) => list.check(text, family))?.[0] ?? null;
}

/** The kind of range a refused address is in, or null when a webhook may reach it. */
export function forbiddenRangeOf(address: string | ParsedAddress): RangeKind | null {
  const parsed = typeof address === 'string' ? parseIpAddress(address) : address;
  // What cannot be read as an address cannot be vetted: refused.
  if (!parsed) return 'reserved';
  const text = textOf(parsed);
  if (parsed.family === 4) return kindIn(IPV4_RANGES, text, 'ipv4');
  // `::` and `::1` sit inside the IPv4-compatible block: judge them as themselves first.
  const own = kindIn(IPV6_RANGES, text, 'ipv6');
  if (own) return own;
  if (IPV4_CARRIERS.check(text, 'ipv6')) return forbiddenRangeOf({ family: 4, value: parsed.value & 0xffffffffn });
  return null;
}
