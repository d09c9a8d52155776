/** "2026-03-01 14:05 UTC": the text shown before the reader's own zone is applied. */
export function formatUtc(time: Date): string {
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatUtcDate(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** "March 2026", for grouping history by month (UTC). */
export function monthLabel(time: Date): string {
  return new Intl.DateTimeFormat('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(time);
}

/** The value of an `<input type="datetime-local">` in UTC. */
export function toDateTimeLocalUtc(time: Date): string {
  return time.toISOString().slice(0, 16);
}
