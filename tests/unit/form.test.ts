import { describe, expect, it } from 'vitest';
import { safeNextPath } from '../../src/forms/auth';
import { formToObject } from '../../src/forms/form';
import { indexedList, postedValue, type FormFailure } from '../../src/forms/posted';

function form(entries: [string, string | Blob][]): FormData {
  const data = new FormData();
  for (const [name, value] of entries) data.append(name, value);
  return data;
}

describe('formToObject', () => {
  it('single fields become string properties', () => {
    expect(
      formToObject(
        form([
          ['intent', 'create'],
          ['name', 'API'],
        ]),
      ),
    ).toEqual({ intent: 'create', name: 'API' });
  });

  it('a repeated name becomes an array, in posting order', () => {
    expect(
      formToObject(
        form([
          ['component', 'a'],
          ['component', 'b'],
          ['component', 'c'],
        ]),
      ),
    ).toEqual({ component: ['a', 'b', 'c'] });
  });

  it('a name used once stays a plain string, not a one-element array', () => {
    expect(formToObject(form([['component', 'a']])).component).toBe('a');
  });

  it('dotted names like a.0.b nest into objects keyed by each part', () => {
    const values = formToObject(
      form([
        ['items.0.name', 'API'],
        ['items.0.status', 'operational'],
        ['items.1.name', 'Web'],
        ['meta.title', 'Outage'],
      ]),
    );
    expect(values).toEqual({
      items: { '0': { name: 'API', status: 'operational' }, '1': { name: 'Web' } },
      meta: { title: 'Outage' },
    });
  });

  it('repeated nested names become arrays at their leaf', () => {
    expect(
      formToObject(
        form([
          ['a.0.tags', 'x'],
          ['a.0.tags', 'y'],
        ]),
      ),
    ).toEqual({ a: { '0': { tags: ['x', 'y'] } } });
  });

  it('file entries are ignored', () => {
    const values = formToObject(
      form([
        ['name', 'API'],
        ['upload', new File(['hello'], 'hello.txt', { type: 'text/plain' })],
        ['nested.file', new Blob(['x'])],
      ]),
    );
    expect(values).toEqual({ name: 'API' });
  });

  it('empty strings are kept as posted', () => {
    expect(formToObject(form([['description', '']]))).toEqual({ description: '' });
  });

  it('an empty form gives an empty object', () => {
    expect(formToObject(new FormData())).toEqual({});
  });

  // Posted names must never reach Object.prototype: /login reads forms before anyone signs in.
  it('a "__proto__.x" field name does not pollute Object.prototype', () => {
    const probe = 'heraldFormTestPolluted';
    try {
      formToObject(form([[`__proto__.${probe}`, 'yes']]));
      expect(Object.prototype).not.toHaveProperty(probe);
    } finally {
      Reflect.deleteProperty(Object.prototype, probe);
    }
  });

  it('a nested "a.__proto__.x" field name does not pollute Object.prototype', () => {
    const probe = 'heraldFormTestPollutedNested';
    try {
      formToObject(form([[`a.__proto__.${probe}`, 'yes']]));
      expect(Object.prototype).not.toHaveProperty(probe);
    } finally {
      Reflect.deleteProperty(Object.prototype, probe);
    }
  });
});

describe('indexedList', () => {
  it('numeric keys come out in numeric order, not lexical: 10 after 2', () => {
    const value = { '10': 'ten', '2': 'two', '1': 'one', '0': 'zero' };
    expect(indexedList(value)).toEqual(['zero', 'one', 'two', 'ten']);
  });

  it('numeric order holds for keys that sort differently as text', () => {
    const value = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [String(11 - i), i === 0 ? 'last' : 11 - i]));
    expect(indexedList(value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 'last']);
  });

  it('non-numeric keys are ignored', () => {
    expect(indexedList({ '1': 'b', name: 'x', '0': 'a', '-1': 'neg', '1.5': 'half', ' 2': 'space' })).toEqual(['a', 'b']);
  });

  it('gaps in the indexes are closed up', () => {
    expect(indexedList({ '5': 'e', '0': 'a' })).toEqual(['a', 'e']);
  });

  it('works on what formToObject makes of items.N.field names', () => {
    const values = formToObject(
      form([
        ['items.10.name', 'K'],
        ['items.2.name', 'C'],
        ['items.0.name', 'A'],
      ]),
    );
    expect(indexedList(values.items)).toEqual([{ name: 'A' }, { name: 'C' }, { name: 'K' }]);
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'abc'],
    ['a number', 3],
    ['a boolean', true],
    ['an array', ['a', 'b']],
  ])('%s is not an indexed object and gives []', (_case, value) => {
    expect(indexedList(value)).toEqual([]);
  });

  it('an empty object gives []', () => {
    expect(indexedList({})).toEqual([]);
  });
});

describe('postedValue', () => {
  const failure: FormFailure = {
    intent: 'create-component',
    status: 422,
    message: 'Please correct the highlighted fields.',
    fieldErrors: { name: 'Required.' },
    values: { intent: 'create-component', name: 'API', tags: ['a', 'b'], items: { '0': { name: 'Web' } } },
  };

  it("gives a posted field's value for the failure's own intent", () => {
    expect(postedValue(failure, 'create-component', 'name')).toBe('API');
  });

  it('follows dotted names into nested values', () => {
    expect(postedValue(failure, 'create-component', 'items.0.name')).toBe('Web');
  });

  it("gives nothing for another form's intent", () => {
    expect(postedValue(failure, 'delete-component', 'name')).toBeUndefined();
  });

  it('gives nothing when there was no failure', () => {
    expect(postedValue(null, 'create-component', 'name')).toBeUndefined();
  });

  it('gives nothing for a field that was not posted, or one that is not a string', () => {
    expect(postedValue(failure, 'create-component', 'missing')).toBeUndefined();
    expect(postedValue(failure, 'create-component', 'missing.deeper')).toBeUndefined();
    expect(postedValue(failure, 'create-component', 'tags')).toBeUndefined();
    expect(postedValue(failure, 'create-component', 'items')).toBeUndefined();
  });
});

describe('safeNextPath', () => {
  it.each(['/admin', '/admin/incidents', '/admin/incidents?status=open#top', '/', '/status/api'])(
    'a path on this site (%s) is kept',
    (path) => {
      expect(safeNextPath(path)).toBe(path);
    },
  );

  it.each<[string, string | null | undefined]>([
    ['protocol-relative URL', '//evil.com'],
    ['backslash after the slash', '/\\evil.com'],
    ['absolute https URL', 'https://evil.com'],
    ['absolute http URL', 'http://evil.com/admin'],
    ['javascript: URL', 'javascript:alert(1)'],
    ['relative path without a leading slash', 'admin'],
    ['empty string', ''],
    ['null', null],
    ['undefined', undefined],
  ])('an unsafe or missing next (%s) becomes /admin', (_case, next) => {
    expect(safeNextPath(next)).toBe('/admin');
  });

  // Browsers strip tabs and newlines from URLs, so "/	/evil.com" resolves to //evil.com.
  const offSite: [string, string][] = [
    ['tab between the slashes', '/\t/evil.com'],
    ['tab before a backslash', '/\t\\evil.com'],
  ];

  it.each(offSite)('a browser resolves %s off-site (why the case below matters)', (_case, next) => {
    expect(new URL(next, 'https://status.example.com').origin).toBe('https://evil.com');
  });

  it.each(offSite)('a path that a browser resolves off-site (%s) becomes /admin', (_case, next) => {
    expect(safeNextPath(next)).toBe('/admin');
  });
});
