import { describe, expect, it } from 'vitest';
import { formatCsv, parseCsv, protectFormula, unprotectFormula } from '../../src/lib/domain/csv';

/** The fields of each record, for tests that do not look at line numbers. */
function fieldsOf(text: string): string[][] {
  const result = parseCsv(text);
  if (!result.ok) throw new Error(`expected CSV, got an error on line ${result.line}: ${result.error}`);
  return result.records.map((record) => record.fields);
}

describe('parseCsv', () => {
  it('splits plain values at commas and lines at LF', () => {
    expect(fieldsOf('email,components\na@example.com,API\n')).toEqual([
      ['email', 'components'],
      ['a@example.com', 'API'],
    ]);
  });

  it('accepts CRLF, and a lone CR, as line ends', () => {
    expect(fieldsOf('a,b\r\nc,d\re,f')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
  });

  it('reads the last line without a line end', () => {
    expect(fieldsOf('a\nb')).toEqual([['a'], ['b']]);
  });

  it('ignores a leading byte order mark', () => {
    expect(fieldsOf('\uFEFFemail\nx@example.com\n')).toEqual([['email'], ['x@example.com']]);
  });

  it('keeps commas, line breaks and doubled quotes inside quoted values', () => {
    expect(fieldsOf('"a,b","line 1\r\nline 2","say ""hi"""\n')).toEqual([['a,b', 'line 1\r\nline 2', 'say "hi"']]);
  });

  it('keeps empty values, quoted or not, including a trailing one', () => {
    expect(fieldsOf('a,,""\nb,\n')).toEqual([
      ['a', '', ''],
      ['b', ''],
    ]);
  });

  it('skips blank lines', () => {
    expect(fieldsOf('a\n\n\r\nb\n\n')).toEqual([['a'], ['b']]);
  });

  it('numbers each record by the line it starts on, counting line breaks inside quotes', () => {
    const result = parseCsv('email\n"multi\nline",x\n\nlast\r\n');
    expect(result.ok && result.records.map((record) => record.line)).toEqual([1, 2, 5]);
  });

  it('keeps spaces around unquoted values', () => {
    expect(fieldsOf(' a , b ')).toEqual([[' a ', ' b ']]);
  });

  it('reads empty text as no records', () => {
    expect(fieldsOf('')).toEqual([]);
    expect(fieldsOf('\uFEFF')).toEqual([]);
  });

  it('refuses a quoted value that is never closed, naming the line it opens on', () => {
    expect(parseCsv('email\n"a@example.com\nb@example.com\n')).toEqual({
      ok: false,
      line: 2,
      error: expect.stringContaining('never closed'),
    });
  });

  it('refuses text after a closing quote', () => {
    expect(parseCsv('email\n"a"b\n')).toEqual({ ok: false, line: 2, error: expect.stringContaining('after a closing quote') });
  });

  it('refuses a quote inside an unquoted value', () => {
    expect(parseCsv('a\nb\nx"y\n')).toEqual({ ok: false, line: 3, error: expect.stringContaining('quote') });
  });
});

describe('formatCsv', () => {
  it('writes one CRLF-ended line per record', () => {
    expect(
      formatCsv([
        ['a', 'b'],
        ['c', ''],
      ]),
    ).toBe('a,b\r\nc,\r\n');
  });

  it('quotes values with commas, quotes or line breaks, doubling the quotes', () => {
    expect(formatCsv([['a,b', 'say "hi"', 'two\nlines', 'cr\rhere', 'plain']])).toBe(
      '"a,b","say ""hi""","two\nlines","cr\rhere",plain\r\n',
    );
  });

  it('round-trips through parseCsv', () => {
    const records = [
      ['email', 'components'],
      ['a@example.com', 'API;Web, "beta"'],
      ['b@example.com', 'multi\r\nline'],
      ['', ''],
    ];
    expect(fieldsOf(formatCsv(records))).toEqual(records);
  });

  it('writes nothing for no records', () => {
    expect(formatCsv([])).toBe('');
  });
});

describe('protectFormula', () => {
  it.each(['=1+1', '+cmd', '-2', '@SUM(A1)', '\tx', '\rx', "'=1"])('prefixes %j with a single quote', (value) => {
    expect(protectFormula(value)).toBe(`'${value}`);
  });

  it.each(['a@example.com', '2026-03-01T12:00:00.000Z', '', "'quoted"])('leaves %j alone', (value) => {
    expect(protectFormula(value)).toBe(value);
  });

  it('is undone by unprotectFormula, which leaves other quotes alone', () => {
    for (const value of ['=1+1', '-x@example.com', '@home', 'plain', "'quoted", "'=already", "''+twice", '']) {
      expect(unprotectFormula(protectFormula(value))).toBe(value);
    }
    expect(unprotectFormula("'abc")).toBe("'abc");
  });
});
