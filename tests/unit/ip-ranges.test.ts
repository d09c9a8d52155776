import { describe, expect, it } from 'vitest';
import { describeRange, parseIpAddress } from '../../src/lib/domain/ip-ranges';
import { forbiddenRangeOf } from '../../src/lib/server/services/webhooks/forbidden-addresses';
import { guardedLookup, parseWebhookUrl, refusalOf, vetHost } from '../../src/lib/server/services/webhooks/webhook-targets';

describe('parseIpAddress', () => {
  it.each([
    ['127.0.0.1', 4, 0x7f000001n],
    ['0.0.0.0', 4, 0n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['[::1]', 6, 1n],
    ['fe80::1%eth0', 6, (0xfe80n << 112n) | 1n],
    ['::ffff:127.0.0.1', 6, 0xffff7f000001n],
    ['::FFFF:7F00:1', 6, 0xffff7f000001n],
    ['2001:db8:0:0:0:0:0:1', 6, (0x20010db8n << 96n) | 1n],
  ])('reads %s', (text, family, value) => {
    expect(parseIpAddress(text)).toEqual({ family, value });
  });

  it.each([
    'example.com',
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '0x7f.0.0.1',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '::1.2.3',
    'gggg::1',
    '1.2.3.4::',
  ])('refuses %j as an address', (text) => {
    expect(parseIpAddress(text)).toBeNull();
  });
});

describe('forbiddenRangeOf', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    // IPv4-mapped, IPv4-compatible and NAT64 forms reach the IPv4 address they carry.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::192.168.0.1', 'private'],
    // 6to4 and Teredo tunnel to the IPv4 address inside them; 192.88.99.0/24 is 6to4's relay anycast.
    ['2002:7f00:1::', 'tunnelled'],
    ['2002:0a00:0001::1', 'tunnelled'],
    ['2002:808:808::1', 'tunnelled'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'tunnelled'],
    ['2001::1', 'tunnelled'],
    ['2001:0:ffff:ffff:ffff:ffff:ffff:ffff', 'tunnelled'],
    ['192.88.99.1', 'relay'],
    ['192.88.99.255', 'relay'],
    ['::ffff:192.88.99.1', 'relay'],
    ['::ffff:c058:6301', 'relay'],
    ['64:ff9b::192.88.99.1', 'relay'],
    ['not an address', 'reserved'],
  ])('refuses %s as %s', (address, kind) => {
    expect(forbiddenRangeOf(address)).toBe(kind);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.169.0.1',
    '169.253.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    'fe7f::1',
    '2a00::1',
    '192.88.98.255',
    '192.88.100.0',
    '2001:1::1',
    '2001:4860:4860::8888',
    '2003::1',
    '2001:db9::1',
  ])('lets %s through', (address) => {
    expect(forbiddenRangeOf(address)).toBeNull();
  });

  it('describes each kind in words', () => {
    expect(describeRange('private')).toBe('a private network address');
    expect(describeRange('loopback')).toBe('a loopback address');
    expect(describeRange('tunnelled')).toBe('an IPv6 transition address (6to4 or Teredo) that can reach private IPv4 addresses');
    expect(describeRange('relay')).toContain('6to4 relay');
  });
});

describe('webhook targets', () => {
  it('takes https URLs only, without credentials, and normalises them', () => {
    expect(parseWebhookUrl('  https://Example.COM:443/hook?a=1#frag ')).toEqual({ ok: true, url: 'https://example.com/hook?a=1' });
    expect(parseWebhookUrl('http://example.com/hook')).toMatchObject({ ok: false, message: expect.stringContaining('https://') });
    expect(parseWebhookUrl('ftp://example.com/')).toMatchObject({ ok: false });
    expect(parseWebhookUrl('https://user:pass@example.com/')).toMatchObject({ ok: false, message: expect.stringContaining('user name') });
    expect(parseWebhookUrl('not a url')).toMatchObject({ ok: false });
    expect(parseWebhookUrl('')).toMatchObject({ ok: false });
    expect(parseWebhookUrl(`https://example.com/${'a'.repeat(2000)}`)).toMatchObject({ ok: false });
  });

  it('refuses a host when any of its addresses is internal, unless private targets are allowed', async () => {
    const resolver = async (host: string) =>
      host === 'mixed.test'
        ? [
            { address: '93.184.216.34', family: 4 },
            { address: '10.0.0.5', family: 4 },
          ]
        : [{ address: '93.184.216.34', family: 4 }];
    await expect(vetHost('mixed.test', { allowPrivate: false }, resolver)).rejects.toThrow(
      'The host mixed.test resolves to 10.0.0.5, a private network address, which webhooks may not reach.',
    );
    await expect(vetHost('mixed.test', { allowPrivate: true }, resolver)).resolves.toHaveLength(2);
    await expect(vetHost('public.test', { allowPrivate: false }, resolver)).resolves.toEqual([{ address: '93.184.216.34', family: 4 }]);
    await expect(vetHost('::ffff:127.0.0.1', { allowPrivate: false }, resolver)).rejects.toThrow(
      'The address ::ffff:127.0.0.1, a loopback address, is not one webhooks may reach.',
    );
    expect(refusalOf('169.254.169.254', { allowPrivate: false })).toBe('169.254.169.254, a link-local address');
    expect(refusalOf('169.254.169.254', { allowPrivate: true })).toBeNull();
  });

  it('refuses a host that resolves to a 6to4 or Teredo address, or the 6to4 relay, as it does a private one', async () => {
    const resolver = async (host: string) =>
      host === 'sixtofour.test'
        ? [{ address: '2002:7f00:1::', family: 6 }]
        : host === 'teredo.test'
          ? [{ address: '2001:0:4136:e378:8000:63bf:3fff:fdd2', family: 6 }]
          : [{ address: '192.88.99.1', family: 4 }];
    await expect(vetHost('sixtofour.test', { allowPrivate: false }, resolver)).rejects.toThrow(
      'The host sixtofour.test resolves to 2002:7f00:1::, an IPv6 transition address (6to4 or Teredo) that can reach private IPv4 addresses, which webhooks may not reach.',
    );
    await expect(vetHost('teredo.test', { allowPrivate: false }, resolver)).rejects.toThrow('6to4 or Teredo');
    await expect(vetHost('relay.test', { allowPrivate: false }, resolver)).rejects.toThrow('192.88.99.1, a 6to4 relay address');
    await expect(vetHost('[2002:7f00:1::]', { allowPrivate: false }, resolver)).rejects.toThrow('is not one webhooks may reach');
    await expect(vetHost('teredo.test', { allowPrivate: true }, resolver)).resolves.toHaveLength(1);
  });

  it('refuses a host that does not resolve', async () => {
    const resolver = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    await expect(vetHost('nowhere.test', { allowPrivate: false }, resolver)).rejects.toThrow('does not resolve');
  });
});

describe('guardedLookup', () => {
  type Answer = { error: NodeJS.ErrnoException | null; addresses: unknown; family?: number };
  const lookUp = (lookup: ReturnType<typeof guardedLookup>, options: { all?: boolean; family?: number }) =>
    new Promise<Answer>((resolve) => {
      lookup('host.test', options, (error: NodeJS.ErrnoException | null, addresses: unknown, family?: number) =>
        resolve({ error, addresses, family }),
      );
    });

  it('hands the socket only addresses it has just vetted: a DNS answer that turned private is refused', async () => {
    // The first answer (at the pre-check) was public; by the time the socket connects, the
    // name points inside the network. The lookup the socket uses checks again.
    let calls = 0;
    const rebinding = async () => (++calls === 1 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    await expect(vetHost('host.test', { allowPrivate: false }, rebinding)).resolves.toHaveLength(1);
    const answer = await lookUp(guardedLookup({ allowPrivate: false }, rebinding), { all: true });
    expect(answer.error?.message).toBe('The host host.test resolves to 127.0.0.1, a loopback address, which webhooks may not reach.');
  });

  it('answers in both of the shapes Node asks for, filtered by family', async () => {
    const resolver = async () => [
      { address: '2606:4700::1', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ];
    const lookup = guardedLookup({ allowPrivate: false }, resolver);
    expect(await lookUp(lookup, { all: true })).toEqual({ error: null, addresses: await resolver(), family: undefined });
    expect(await lookUp(lookup, { family: 4 })).toEqual({ error: null, addresses: '93.184.216.34', family: 4 });
    expect(await lookUp(lookup, {})).toEqual({ error: null, addresses: '2606:4700::1', family: 6 });
  });
});
