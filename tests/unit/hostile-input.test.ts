import { describe, expect, it } from 'vitest';
import { findForbiddenCharacter, forbiddenCharacterIndex, refusalOfRequest } from '../../src/lib/domain/hostile-input';

describe('forbidden characters', () => {
  it('refuses NUL, the other C0 controls and DEL, and keeps tab, LF and CR', () => {
    for (const code of [0x00, 0x01, 0x08, 0x0b, 0x0c, 0x0e, 0x1f, 0x7f])
      expect(forbiddenCharacterIndex(`ab${String.fromCharCode(code)}`)).toBe(2);
    expect(forbiddenCharacterIndex('line one\r\n\tline two')).toBe(-1);
    expect(forbiddenCharacterIndex("emoji 🚨, RTL \u202e, SQL '; DROP TABLE x; --, <script>")).toBe(-1);
  });

  it('names the dotted path of the field that holds one, keys included', () => {
    expect(findForbiddenCharacter({ components: [{ name: 'ok' }, { name: 'bad\u0000' }] })).toEqual({
      field: 'components.1.name',
      message: 'holds a control character (U+0000) that is not allowed.',
    });
    expect(findForbiddenCharacter({ labels: { 'a\u0001b': 'x' } })?.field).toBe('labels.a\u0001b');
    expect(findForbiddenCharacter({ a: 1, b: null, c: [true, { d: 'fine' }] })).toBeNull();
  });

  it('refuses a tree nested deeper than 32 levels, however deep, without exhausting the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(findForbiddenCharacter(deep)?.message).toBe('is nested more than 32 levels deep.');
    expect(findForbiddenCharacter(JSON.parse('['.repeat(32) + ']'.repeat(32)))).toBeNull();
  });
});

describe('the request target', () => {
  it('answers 405 with Allow for a method Herald does not answer', () => {
    expect(refusalOfRequest('TRACE', '/', '')).toEqual({
      status: 405,
      message: 'The TRACE method is not allowed here.',
      allow: 'GET, HEAD, POST, PATCH, DELETE, OPTIONS',
    });
    expect(refusalOfRequest('PROPFIND', '/', '')?.status).toBe(405);
    expect(refusalOfRequest('post', '/login', '')).toBeNull();
  });

  it('answers 400 for a control character or a broken escape in the path or the query', () => {
    expect(refusalOfRequest('GET', '/incidents/%00', '')?.status).toBe(400);
    expect(refusalOfRequest('GET', '/incidents/%C0%AF', '')?.status).toBe(400);
    expect(refusalOfRequest('GET', '/incidents/%FF', '')?.status).toBe(400);
    expect(refusalOfRequest('GET', '/history', '?component=%00')).toMatchObject({ status: 400, field: 'component' });
    expect(refusalOfRequest('GET', '/history', '?page=%FF')).toMatchObject({ status: 400, field: 'page' });
    expect(refusalOfRequest('GET', '/history', '?a%0Ab=1')?.status).toBe(400);
  });

  it('lets ordinary and merely odd targets through', () => {
    expect(refusalOfRequest('GET', '/incidents/abc', '?component=a+b&x=%E2%9C%93&flag&=')).toBeNull();
    expect(refusalOfRequest('GET', '/search', '?q=%27%3B%20DROP%20TABLE%20x%3B--%3Cscript%3E')).toBeNull();
  });
});
