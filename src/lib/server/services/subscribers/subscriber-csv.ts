import { asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { formatCsv, parseCsv, protectFormula, unprotectFormula, type CsvRecord } from '../../../domain/csv';
import { component, subscriber, subscriberComponent } from '../../db/schema';
import type { Actor, ServiceContext } from '../kernel/context';
import { invalid, success, type ServiceResult } from '../kernel/errors';
import { addSubscriberByAdmin, subscriberEmail } from './subscribers';

export const MAX_IMPORT_BYTES = 1024 * 1024;
export const MAX_IMPORT_ROWS = 10_000;
/** Separates component names inside the components column. */
const NAME_SEPARATOR = ';';
/** How much of a rejected row's address the report repeats. */
const REPORTED_EMAIL_LENGTH = 100;
/** How many addresses one existence query asks about. */
const LOOKUP_CHUNK = 1000;

const EXPORT_COLUMNS = ['email', 'state', 'components', 'created_at', 'confirmed_at'] as const;

/**
 * Every subscriber as CSV, by address: components lists the chosen components' names separated
 * by semicolons (empty means all), dates are ISO 8601 in UTC. Values a spreadsheet would run as
 * formulas are neutralised with a leading single quote, which the import removes again.
 */
export async function exportSubscribersCsv(context: ServiceContext): Promise<string> {
  const [subscribers, choices] = await Promise.all([
    context.db.select().from(subscriber).orderBy(asc(subscriber.email)),
    context.db
      .select({ subscriberId: subscriberComponent.subscriberId, name: component.name })
      .from(subscriberComponent)
      .innerJoin(component, eq(component.id, subscriberComponent.componentId))
      .orderBy(asc(component.name)),
  ]);
  const names = new Map<string, string[]>();
  for (const choice of choices) names.set(choice.subscriberId, [...(names.get(choice.subscriberId) ?? []), choice.name]);
  const records = subscribers.map((row) => [
    row.email,
    row.state,
    (names.get(row.id) ?? []).join(NAME_SEPARATOR),
    row.createdAt.toISOString(),
    row.confirmedAt?.toISOString() ?? '',
  ]);
  return formatCsv([[...EXPORT_COLUMNS], ...records.map((fields) => fields.map(protectFormula))]);
}

interface RejectedRow {
  /** The line of the file the row starts on; the header is line 1. */
  line: number;
  /** The address as written in the file, shortened when very long. */
  email: string;
  reason: string;
}

export interface ImportReport {
  added: number;
  /** Rows whose address was already subscribed, or appeared earlier in the file. */
  skipped: number;
  rejected: RejectedRow[];
}

/** A row that passed validation, waiting to be added. */
interface ValidRow {
  line: number;
  email: string;
  componentIds: string[];
}

const fileProblem = (message: string): ServiceResult<never> => invalid({ csv: message });

/**
 * Imports subscribers from CSV text with a header line naming an `email` column and, optionally,
 * a `components` column (component names separated by semicolons, matched ignoring case; empty
 * means all components). Other columns are ignored, so an export imports as it is. Each valid
 * new address is added confirmed, through the same service (and audit entry) as an admin's
 * addition; addresses already subscribed are skipped and invalid rows reported with their line.
 * A file that is too large, has too many rows or is not CSV is refused whole.
 */
export async function importSubscribersCsv(context: ServiceContext, actor: Actor, csvText: string): Promise<ServiceResult<ImportReport>> {
  if (new TextEncoder().encode(csvText).length > MAX_IMPORT_BYTES) {
    return fileProblem('The file is larger than 1 MB. Split it into smaller files and import them one by one.');
  }
  if (csvText.includes('\0')) {
    return fileProblem(
      'This is not a CSV file: it contains binary data. Save the list as CSV (comma-separated values, UTF-8) and try again.',
    );
  }
  const parsed = parseCsv(csvText);
  if (!parsed.ok) return fileProblem(`This is not valid CSV: on line ${parsed.line}, ${parsed.error}`);
  const [header, ...records] = parsed.records;
  if (!header) return fileProblem('The file is empty. It needs a header line, such as "email,components", and a line per subscriber.');
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const emailColumn = columns.indexOf('email');
  const componentsColumn = columns.indexOf('components');
  if (emailColumn < 0) {
    return fileProblem('The first line must be a header naming the columns, with one called "email" (for example "email,components").');
  }
  const repeated = ['email', 'components'].find((name) => columns.indexOf(name) !== columns.lastIndexOf(name));
  if (repeated) return fileProblem(`The header names the "${repeated}" column twice; keep one.`);
  const rows = records.filter((record) => record.fields.some((field) => field.trim() !== ''));
  if (rows.length > MAX_IMPORT_ROWS) {
    return fileProblem(
      `The file has ${rows.length.toLocaleString('en')} rows; import at most ${MAX_IMPORT_ROWS.toLocaleString('en')} at a time.`,
    );
  }

  const componentsByName = await activeComponentsByName(context);
  const rejected: RejectedRow[] = [];
  const valid: ValidRow[] = [];
  for (const row of rows) {
    const checked = checkRow(row, { columnCount: columns.length, emailColumn, componentsColumn, componentsByName });
    if ('reason' in checked) rejected.push(checked);
    else valid.push(checked);
  }

  const subscribed = await subscribedAmong(
    context,
    valid.map((row) => row.email),
  );
  const report: ImportReport = { added: 0, skipped: 0, rejected };
  for (const row of valid) {
    if (subscribed.has(row.email)) {
      report.skipped += 1;
      continue;
    }
    const result = await addSubscriberByAdmin(context, actor, { email: row.email, componentIds: row.componentIds }, 'import');
    if (result.ok) {
      report.added += 1;
      subscribed.add(row.email);
    } else {
      const reason = 'fieldErrors' in result.failure ? Object.values(result.failure.fieldErrors)[0] : undefined;
      rejected.push({ line: row.line, email: row.email, reason: reason ?? result.failure.message });
    }
  }
  rejected.sort((a, b) => a.line - b.line);
  return success(report);
}

interface RowRules {
  columnCount: number;
  emailColumn: number;
  componentsColumn: number;
  componentsByName: Map<string, string[]>;
}

/** Validates one row: its address and chosen components, or why it cannot be imported. */
function checkRow(row: CsvRecord, rules: RowRules): ValidRow | RejectedRow {
  const rawEmail = unprotectFormula((row.fields[rules.emailColumn] ?? '').trim());
  const reject = (reason: string): RejectedRow => ({ line: row.line, email: shorten(rawEmail), reason });
  if (row.fields.length > rules.columnCount) {
    return reject(
      `The row has ${row.fields.length} values but the header names ${rules.columnCount} columns; put values that contain commas in double quotes.`,
    );
  }
  if (rawEmail === '') return reject('The email address is missing.');
  const email = subscriberEmail.safeParse(rawEmail);
  if (!email.success) return reject(email.error.issues[0]?.message ?? 'Enter a valid email address.');

  const names = unprotectFormula((rules.componentsColumn >= 0 ? row.fields[rules.componentsColumn] : undefined) ?? '')
    .split(NAME_SEPARATOR)
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const matches = names.map((name) => ({ name, ids: rules.componentsByName.get(name.toLowerCase()) ?? [] }));
  const unknown = matches.filter((match) => match.ids.length === 0);
  if (unknown.length > 0) return reject(`No component is called ${unknown.map((match) => `"${shorten(match.name)}"`).join(', ')}.`);
  const ambiguous = matches.find((match) => match.ids.length > 1);
  if (ambiguous)
    return reject(`More than one component is called "${shorten(ambiguous.name)}"; rename one of them, or add this subscriber by hand.`);
  // Each name now matches exactly one component.
  const componentIds = [...new Set(matches.flatMap((match) => match.ids))];
  return { line: row.line, email: email.data, componentIds };
}

function shorten(text: string): string {
  return text.length > REPORTED_EMAIL_LENGTH ? `${text.slice(0, REPORTED_EMAIL_LENGTH)}…` : text;
}

/** Ids of the components a subscriber can choose, by lower-case name (names need not be unique). */
async function activeComponentsByName(context: ServiceContext): Promise<Map<string, string[]>> {
  const rows = await context.db.select({ id: component.id, name: component.name }).from(component).where(isNull(component.archivedAt));
  const byName = new Map<string, string[]>();
  for (const row of rows) {
    const key = row.name.trim().toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), row.id]);
  }
  return byName;
}

/** Which of these lower-case addresses already subscribe. */
async function subscribedAmong(context: ServiceContext, emails: string[]): Promise<Set<string>> {
  const unique = [...new Set(emails)];
  const found = new Set<string>();
  for (let start = 0; start < unique.length; start += LOOKUP_CHUNK) {
    const lowered = sql<string>`lower(${subscriber.email})`;
    const rows = await context.db
      .select({ email: lowered })
      .from(subscriber)
      .where(inArray(lowered, unique.slice(start, start + LOOKUP_CHUNK)));
    for (const row of rows) found.add(row.email);
  }
  return found;
}
