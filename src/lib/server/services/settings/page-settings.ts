import { z } from 'zod';
import { DEFAULT_UPCOMING_DAYS } from '../../../domain/maintenance';
import { recordAudit } from '../kernel/audit';
import type { Actor, ServiceContext } from '../kernel/context';
import { success, type ServiceResult } from '../kernel/errors';
import { optionalText, parseInput, requiredText } from '../kernel/validation';
import { readSetting, writeSetting } from './setting-rows';

const timeZones = new Set(Intl.supportedValuesOf('timeZone').concat('UTC'));

/**
 * A zone from the list, or another IANA name for one: ICU lists some zones under their old
 * names (Asia/Calcutta, Europe/Kiev), so the current ones (Asia/Kolkata, Europe/Kyiv, Etc/UTC)
 * are checked by what they resolve to.
 */
export function isKnownTimeZone(value: string): boolean {
  if (timeZones.has(value)) return true;
  try {
    return timeZones.has(new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone);
  } catch {
    return false;
  }
}

export const pageSettingsInput = z.object({
  name: requiredText('Page name', 100),
  description: optionalText('Description', 300),
  timeZone: z.string().trim().refine(isKnownTimeZone, 'Choose a time zone from the list (an IANA name such as Europe/Paris).'),
  /** How many days ahead the public page announces scheduled maintenance. */
  upcomingMaintenanceDays: z.coerce
    .number({ error: 'Enter a number of days (1–90).' })
    .int('Enter a whole number of days (1–90).')
    .min(1, 'Enter a number of days (1–90).')
    .max(90, 'Enter a number of days (1–90).')
    .default(DEFAULT_UPCOMING_DAYS),
});

export type PageSettings = z.output<typeof pageSettingsInput>;

const defaultPageSettings: PageSettings = {
  name: 'Herald',
  description: null,
  timeZone: 'UTC',
  upcomingMaintenanceDays: DEFAULT_UPCOMING_DAYS,
};
const PAGE_KEY = 'page';

export async function getPageSettings(context: Pick<ServiceContext, 'db'>): Promise<PageSettings & { updatedAt: Date | null }> {
  const row = await readSetting(context.db, PAGE_KEY);
  const stored = pageSettingsInput.partial().safeParse(row?.value ?? {});
  return { ...defaultPageSettings, ...(stored.success ? stored.data : {}), updatedAt: row?.updatedAt ?? null };
}

export async function updatePageSettings(
  context: ServiceContext,
  actor: Actor,
  input: z.input<typeof pageSettingsInput>,
): Promise<ServiceResult<PageSettings>> {
  const parsed = parseInput(pageSettingsInput, input);
  if (!parsed.ok) return parsed;
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const before = await getPageSettings({ db: tx });
    await writeSetting(tx, PAGE_KEY, parsed.value, now);
    await recordAudit(tx, actor, now, { action: 'settings.page', entityType: 'setting', entityId: PAGE_KEY, before, after: parsed.value });
    return success(parsed.value);
  });
}

const PAGE_ID_KEY = 'page_id';

/** The page's public id (Statuspage's `page.id`), made once per install by a migration. */
export async function getPageId(context: Pick<ServiceContext, 'db'>): Promise<string> {
  const row = await readSetting(context.db, PAGE_ID_KEY);
  return typeof row?.value === 'string' ? row.value : 'herald';
}

const WEBHOOK_SETTINGS_KEY = 'webhooks';

/**
 * Whether webhook subscribers may point at loopback, private, link-local and other internal
 * addresses (off by default: see services/webhooks/webhook-targets.ts). Kept under its own key, apart
 * from the page settings form and API resource.
 */
export async function getAllowPrivateWebhookTargets(context: Pick<ServiceContext, 'db'>): Promise<boolean> {
  const row = await readSetting(context.db, WEBHOOK_SETTINGS_KEY);
  const value = row?.value as { allowPrivateWebhookTargets?: unknown } | undefined;
  return value?.allowPrivateWebhookTargets === true;
}

export async function setAllowPrivateWebhookTargets(
  context: ServiceContext,
  actor: Actor,
  allowed: boolean,
): Promise<ServiceResult<{ allowPrivateWebhookTargets: boolean }>> {
  const now = context.clock.now();
  return context.db.transaction(async (tx) => {
    const before = { allowPrivateWebhookTargets: await getAllowPrivateWebhookTargets({ db: tx }) };
    const after = { allowPrivateWebhookTargets: allowed };
    await writeSetting(tx, WEBHOOK_SETTINGS_KEY, after, now);
    if (before.allowPrivateWebhookTargets !== allowed) {
      await recordAudit(tx, actor, now, {
        action: 'settings.webhooks',
        entityType: 'setting',
        entityId: WEBHOOK_SETTINGS_KEY,
        before,
        after,
      });
    }
    return success(after);
  });
}
