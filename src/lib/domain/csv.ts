/**
 * Comma-separated values as RFC 4180 describes them: values in double quotes may hold commas,
 * line breaks and doubled quotes (`""` for one `"`). Lines may end in CRLF, LF or CR, and a
 * leading byte order mark is ignored.
 */

/** One record of a CSV text and the line of the text it starts on (1 for the first). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export type CsvParseResult = { ok: true; records: CsvRecord[] } | { ok: false; line: number; error: string };

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Splits CSV text into records. Blank lines are skipped. Text that breaks the quoting rules (a
 * quote inside an unquoted value, text after a closing quote, a quote never closed) is an error
 * naming the line, since guessing what was meant could import the wrong values.
 */
export function parseCsv(text: string): CsvParseResult {
  const source = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  /** `start` of a value, inside an `unquoted` or `quoted` one, or just `closed` a quoted one. */
  let state: 'start' | 'unquoted' | 'quoted' | 'closed' = 'start';

  const endRecord = () => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0] === '' && state !== 'closed';
    if (!blank) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    state = 'start';
  };

  for (let index = 0; index < source.length; index += 1) {
    const character = source.charAt(index);
    if (state === 'quoted') {
      if (character === '"') {
        if (source[index + 1] === '"') {
          field += '"';
          index += 1;
        } else {
          state = 'closed';
        }
      } else {
        if (character === '\n' || (character === '\r' && source[index + 1] !== '\n')) line += 1;
        field += character;
      }
      continue;
    }
    if (character === ',') {
      fields.push(field);
      field = '';
      state = 'start';
    } else if (character === '\r' || character === '\n') {
      if (character === '\r' && source[index + 1] === '\n') index += 1;
      endRecord();
      line += 1;
      recordLine = line;
    } else if (state === 'closed') {
      return { ok: false, line, error: 'there is text after a closing quote; a quoted value must end at a comma or the end of the line.' };
    } else if (character === '"') {
      if (state === 'unquoted') {
        return {
          ok: false,
          line,
          error:
            'a value contains a quote but does not start with one; put the whole value in double quotes and double the quote inside it.',
        };
      }
      state = 'quoted';
      quoteLine = line;
    } else {
      field += character;
      state = 'unquoted';
    }
  }
  if (state === 'quoted') return { ok: false, line: quoteLine, error: 'a quoted value is never closed.' };
  if (state !== 'start' || fields.length > 0) endRecord();
  return { ok: true, records };
}

/** One value as CSV: quoted when it holds a comma, a quote or a line break. */
function formatField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Records as CSV text, each line ending in CRLF. */
export function formatCsv(records: readonly (readonly string[])[]): string {
  return records.map((fields) => `${fields.map(formatField).join(',')}\r\n`).join('');
}

/** A value a spreadsheet would read as a formula, or one that already went through protectFormula. */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * Keeps a spreadsheet from running a value as a formula (CSV injection): a value starting with
 * = + - @, tab or carriage return gets a leading single quote. So that unprotectFormula can undo
 * it exactly, a value that starts with quotes followed by one of those also gets one more.
 */
export function protectFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Undoes protectFormula, so a file Herald exported imports as it was. */
export function unprotectFormula(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value) ? value.slice(1) : value;
}
