import { parseIpAddress } from './ip-ranges';

const IPV4_MAPPED_PREFIX = 0xffffn << 32n;
const LOW_64_BITS = (1n << 64n) - 1n;

/**
 * The key a client address counts under in rate limits. One IPv6 customer is handed a whole /64
 * (2^64 addresses), so IPv6 counts by /64; IPv4, and IPv4 mapped into IPv6, by the address.
 * Anything that is not an address (no socket address: "unknown") counts as itself.
 */
export function rateLimitBucket(address: string): string {
  const parsed = parseIpAddress(address);
  if (!parsed) return address;
  if (parsed.family === 4) return address;
  if (parsed.value >> 32n === IPV4_MAPPED_PREFIX >> 32n) {
    const v4 = parsed.value & 0xffffffffn;
    return [24n, 16n, 8n, 0n].map((shift) => String((v4 >> shift) & 0xffn)).join('.');
  }
  const network = parsed.value & ~LOW_64_BITS;
  const groups = [112n, 96n, 80n, 64n].map((shift) => ((network >> shift) & 0xffffn).toString(16));
  return `${groups.join(':')}::/64`;
}
