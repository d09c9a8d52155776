import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SESSION_POLICY,
  recentlyVerified,
  SESSION_POLICY_BOUNDS,
  sessionCookieExpiry,
  sessionState,
} from '../../src/lib/domain/session-policy';
import { hashSecret, issueToken, parseToken, secretMatches } from '../../src/lib/server/auth/tokens';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const created = new Date('2025-03-01T09:00:00.000Z');
const at = (ms: number) => new Date(created.getTime() + ms);

const BASE32 = /^[a-z2-7]+$/;
const ID = 'abcdefghijklmnop'; // 16 base32 characters
const SECRET = 'qrstuvwxyz234567abcdefgh'; // 24 base32 characters

const policy = DEFAULT_SESSION_POLICY;
const MINUTE = 60 * 1000;

describe('the session policy', () => {
  it('defaults to ASVS level 2: 30 minutes idle, 12 hours at most', () => {
    expect(DEFAULT_SESSION_POLICY).toEqual({ idleMinutes: 30, absoluteHours: 12 });
    expect(SESSION_POLICY_BOUNDS.idleMinutes.max).toBe(30);
    expect(SESSION_POLICY_BOUNDS.absoluteHours.max).toBe(12);
  });
});

describe('sessionState', () => {
  it('a session used a moment ago is active', () => {
    expect(sessionState({ createdAt: created, lastActiveAt: created }, policy, at(1000))).toBe('active');
  });

  it('a session idle for one millisecond short of 30 minutes is still active', () => {
    expect(sessionState({ createdAt: created, lastActiveAt: created }, policy, at(30 * MINUTE - 1))).toBe('active');
  });

  it('a session idle for exactly 30 minutes has idle-expired', () => {
    expect(sessionState({ createdAt: created, lastActiveAt: created }, policy, at(30 * MINUTE))).toBe('idle_expired');
  });

  it('activity keeps a session alive past 30 minutes from creation', () => {
    expect(sessionState({ createdAt: created, lastActiveAt: at(5 * HOUR) }, policy, at(5 * HOUR + 29 * MINUTE))).toBe('active');
  });

  it('a session 12 hours old has expired even if it was used a second ago', () => {
    const now = at(12 * HOUR);
    expect(sessionState({ createdAt: created, lastActiveAt: new Date(now.getTime() - 1000) }, policy, now)).toBe('expired');
  });

  it('the absolute limit wins over the idle limit when both have passed', () => {
    expect(sessionState({ createdAt: created, lastActiveAt: created }, policy, at(DAY))).toBe('expired');
  });

  it('follows a shorter policy chosen by the owner', () => {
    const strict = { idleMinutes: 5, absoluteHours: 1 };
    expect(sessionState({ createdAt: created, lastActiveAt: created }, strict, at(5 * MINUTE))).toBe('idle_expired');
    expect(sessionState({ createdAt: created, lastActiveAt: at(59 * MINUTE) }, strict, at(HOUR))).toBe('expired');
  });
});

describe('sessionCookieExpiry', () => {
  it('for a fresh session the cookie ends when the idle limit does', () => {
    expect(sessionCookieExpiry({ createdAt: created, lastActiveAt: created }, policy)).toEqual(at(30 * MINUTE));
  });

  it('near the end of its life the cookie ends at the absolute limit, not later', () => {
    expect(sessionCookieExpiry({ createdAt: created, lastActiveAt: at(11 * HOUR + 50 * MINUTE) }, policy)).toEqual(at(12 * HOUR));
  });
});

describe('recentlyVerified', () => {
  it('holds for 5 minutes after the user proved who they are, not after', () => {
    expect(recentlyVerified(created, at(5 * MINUTE - 1))).toBe(true);
    expect(recentlyVerified(created, at(5 * MINUTE))).toBe(false);
  });

  it('a proof dated in the future (a clock run back) does not count', () => {
    expect(recentlyVerified(at(MINUTE), created)).toBe(false);
  });
});

describe('issueToken', () => {
  it('a token is <16 base32>.<24 base32> and its id is the part before the dot', () => {
    const issued = issueToken();
    expect(issued.token).toMatch(/^[a-z2-7]{16}\.[a-z2-7]{24}$/);
    expect(issued.token.startsWith(`${issued.id}.`)).toBe(true);
    expect(issued.id).toMatch(BASE32);
  });

  it('an issued token parses back to its own id and a secret matching the stored hash', () => {
    const issued = issueToken();
    const parts = parseToken(issued.token);
    expect(parts).not.toBeNull();
    expect(parts!.id).toBe(issued.id);
    expect(secretMatches(parts!.secret, issued.secretHash)).toBe(true);
  });

  it('two issued tokens differ in id, secret and hash', () => {
    const a = issueToken();
    const b = issueToken();
    expect(a.token).not.toBe(b.token);
    expect(a.id).not.toBe(b.id);
    expect(parseToken(a.token)!.secret).not.toBe(parseToken(b.token)!.secret);
    expect(Buffer.from(a.secretHash).equals(Buffer.from(b.secretHash))).toBe(false);
  });

  it('the stored hash is a 32-byte SHA-256 that never equals or contains the secret text', () => {
    const issued = issueToken();
    const secret = parseToken(issued.token)!.secret;
    const secretBytes = new TextEncoder().encode(secret);
    const hash = Buffer.from(issued.secretHash);
    expect(hash.length).toBe(32);
    expect(hash.equals(Buffer.from(secretBytes))).toBe(false);
    expect(hash.includes(Buffer.from(secretBytes))).toBe(false);
    for (const rendering of [hash.toString('latin1'), hash.toString('utf8'), hash.toString('hex'), hash.toString('base64')]) {
      expect(rendering).not.toContain(secret);
    }
    expect(issued.token).toContain(secret);
  });
});

describe('hashSecret and secretMatches', () => {
  it('hashing is deterministic: the same secret gives the same hash', () => {
    expect(Buffer.from(hashSecret(SECRET)).equals(Buffer.from(hashSecret(SECRET)))).toBe(true);
  });

  it('the right secret matches its stored hash', () => {
    expect(secretMatches(SECRET, hashSecret(SECRET))).toBe(true);
  });

  it('a wrong secret does not match, even one differing in a single character', () => {
    const stored = hashSecret(SECRET);
    expect(secretMatches(`${SECRET.slice(0, -1)}a`, stored)).toBe(false);
    expect(secretMatches('', stored)).toBe(false);
    expect(secretMatches(SECRET.toUpperCase(), stored)).toBe(false);
  });

  it('a stored hash of the wrong length never matches (and does not throw)', () => {
    expect(secretMatches(SECRET, hashSecret(SECRET).slice(0, 16))).toBe(false);
    expect(secretMatches(SECRET, new Uint8Array(0))).toBe(false);
  });

  it('presenting the stored hash itself as the secret does not match', () => {
    const stored = hashSecret(SECRET);
    expect(secretMatches(Buffer.from(stored).toString('hex'), stored)).toBe(false);
  });
});

describe('parseToken', () => {
  it('a well-formed token splits into id and secret', () => {
    expect(parseToken(`${ID}.${SECRET}`)).toEqual({ id: ID, secret: SECRET });
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['missing dot', `${ID}${SECRET}`],
    ['only a dot', '.'],
    ['uppercase id', `${ID.toUpperCase()}.${SECRET}`],
    ['uppercase secret', `${ID}.${SECRET.toUpperCase()}`],
    ['one uppercase letter', `${ID}.${SECRET.slice(0, -1)}H`],
    ['extra part', `${ID}.${SECRET}.${SECRET}`],
    ['trailing dot', `${ID}.${SECRET}.`],
    ['id too short', `${ID.slice(1)}.${SECRET}`],
    ['id too long', `${ID}a.${SECRET}`],
    ['secret too short', `${ID}.${SECRET.slice(1)}`],
    ['secret too long', `${ID}.${SECRET}a`],
    ['id and secret swapped', `${SECRET}.${ID}`],
    ['hyphen', `${ID.slice(1)}-.${SECRET}`],
    ['underscore', `${ID}.${SECRET.slice(1)}_`],
    ['padding character', `${ID}.${SECRET.slice(1)}=`],
    ['non-ASCII letter', `${ID.slice(1)}é.${SECRET}`],
    ['leading space', ` ${ID}.${SECRET}`],
    ['trailing newline', `${ID}.${SECRET}\n`],
  ])('a malformed token (%s) parses to null', (_case, token) => {
    expect(parseToken(token)).toBeNull();
  });

  // Ids and secrets are lowercase base32 (a-z, 2-7); 0, 1, 8 and 9 never occur.
  it.each<[string, string]>([
    ['digit 0', `${ID.slice(1)}0.${SECRET}`],
    ['digit 1', `${ID}.${SECRET.slice(1)}1`],
    ['digit 8', `${ID.slice(1)}8.${SECRET}`],
    ['digit 9', `${ID}.${SECRET.slice(1)}9`],
  ])('a token with a non-base32 %s parses to null', (_case, token) => {
    expect(parseToken(token)).toBeNull();
  });
});
