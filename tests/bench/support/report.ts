/**
 * How benchmarks print what they measured: medians, numbers for reading, PASS/FAIL, Markdown
 * tables that can be pasted into README.md as they are, and the end of a server's log.
 */
import fs from 'node:fs';

/** The median (the mean of the middle two for an even count); NaN for none. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A count or rate rounded to a whole number, with thousands separated: 12,345. */
export function whole(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

export function verdict(met: boolean): 'PASS' | 'FAIL' {
  return met ? 'PASS' : 'FAIL';
}

/** Prints a Markdown table: the header, the separator, then one line per row. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  console.log([line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n'));
}

/** The last `count` lines of a log file, to print beside a server's failure. */
export function logTail(file: string, count: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '(no log)';
  }
}
