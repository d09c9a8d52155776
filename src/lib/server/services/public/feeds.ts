import { eq, sql } from 'drizzle-orm';
import { buildAtomFeed, buildRssFeed, clipText, tagUri, type FeedEntry, type FeedMeta, type FeedUpdate } from '../../../domain/feeds';
import { componentsWithGroupNames } from '../../../domain/component-sections';
import { maintenanceStatusLabels } from '../../../domain/maintenance';
import { componentStatusLabels, impactLabels, impactOfSeverity, incidentStatusLabels } from '../../../domain/statuses';
import { formatWindow } from '../../../domain/time-format';
import { rowsOf } from '../../db/client';
import {
  incident,
  incidentUpdate,
  maintenance,
  maintenanceUpdate,
  type ComponentChange,
  type IncidentUpdateRow,
  type MaintenanceUpdateRow,
} from '../../db/schema';
import { listComponentTree } from '../components/catalog';
import type { ServiceContext } from '../kernel/context';
import type { IncidentSummary } from '../incidents/incident-lists';
import type { MaintenanceSummary } from '../maintenance/maintenance-queries';
import { listPublicHistory, type HistoryItem } from './public-history';
import { visibleChanges } from './public-incidents';
import { incidentUpdatesOf, maintenanceUpdatesOf } from './updates-of';
import { getPageSettings } from '../settings/page-settings';

/** How many entries a feed carries, newest first. */
export const FEED_SIZE = 50;

export type FeedFormat = 'atom' | 'rss';

export interface HistoryFeed {
  meta: FeedMeta;
  entries: FeedEntry[];
}

/**
 * The newest `FEED_SIZE` entries of the public history, each with all its public updates: the
 * same entries as /history (every incident, open or not, and completed maintenances), for the
 * whole page or for one component. `undefined` when the component is unknown, archived or hidden.
 */
export async function loadHistoryFeed(
  context: ServiceContext,
  options: { publicUrl: string; format: FeedFormat; componentId: string | null },
): Promise<HistoryFeed | undefined> {
  const { publicUrl, format, componentId } = options;
  const [page, tree] = await Promise.all([getPageSettings(context), listComponentTree(context, { publicOnly: true })]);
  const publicComponents = componentsWithGroupNames(tree);
  let componentName: string | null = null;
  if (componentId !== null) {
    const found = publicComponents.find((item) => item.id === componentId);
    if (!found) return undefined;
    componentName = found.name;
  }

  const items = await newestHistory(context, componentId);
  const visibleIds = new Set(publicComponents.map((item) => item.id));
  const incidents = items.flatMap((item) => (item.kind === 'incident' ? [item.summary] : []));
  const maintenances = items.flatMap((item) => (item.kind === 'maintenance' ? [item.summary] : []));
  const [incidentUpdates, maintenanceUpdates] = await Promise.all([
    incidentUpdatesOf(
      context,
      incidents.map((summary) => summary.incident.id),
    ),
    maintenanceUpdatesOf(
      context,
      maintenances.map((summary) => summary.maintenance.id),
    ),
  ]);

  const entries = items.map((item) =>
    item.kind === 'incident'
      ? incidentEntry(publicUrl, item.summary, incidentUpdates.get(item.summary.incident.id) ?? [], visibleIds)
      : maintenanceEntry(publicUrl, item.summary, maintenanceUpdates.get(item.summary.maintenance.id) ?? []),
  );
  const query = componentId ? `?component=${encodeURIComponent(componentId)}` : '';
  const selfPath = componentId ? `/components/${encodeURIComponent(componentId)}/history.${format}` : `/history.${format}`;
  const meta: FeedMeta = {
    title: componentName ? `${page.name} status · ${componentName}` : `${page.name} status`,
    subtitle: componentName
      ? `Incidents and maintenance of ${page.name} that affected ${componentName}, newest first.`
      : `Incidents and maintenance of ${page.name}, newest first.`,
    selfUrl: `${publicUrl}${selfPath}`,
    pageUrl: `${publicUrl}/history${query}`,
    author: page.name,
    authorUrl: `${publicUrl}/`,
    timeZone: page.timeZone,
    generatedAt: context.clock.now(),
    iconUrl: `${publicUrl}/favicon.svg`,
  };
  return { meta, entries };
}

/** The feed as XML, or `undefined` for an unknown or hidden component. */
export async function renderHistoryFeed(
  context: ServiceContext,
  options: { publicUrl: string; format: FeedFormat; componentId: string | null },
): Promise<string | undefined> {
  const feed = await loadHistoryFeed(context, options);
  if (!feed) return undefined;
  return options.format === 'atom' ? buildAtomFeed(feed.meta, feed.entries) : buildRssFeed(feed.meta, feed.entries);
}

/** The first `FEED_SIZE` entries of the public history, read a history page at a time. */
async function newestHistory(context: ServiceContext, componentId: string | null): Promise<HistoryItem[]> {
  const first = await listPublicHistory(context, { page: 1, componentId });
  const items = [...first.items];
  for (let page = 2; page <= first.pageCount && items.length < FEED_SIZE; page += 1) {
    items.push(...(await listPublicHistory(context, { page, componentId })).items);
  }
  return items.slice(0, FEED_SIZE);
}

const latest = (times: (Date | null | undefined)[]) => new Date(Math.max(...times.flatMap((time) => (time ? [time.getTime()] : []))));

/** The component changes the public may see, in words. */
function changeLines(changes: ComponentChange[] | null, visibleIds: ReadonlySet<string>): string[] {
  return (visibleChanges(changes, visibleIds) ?? []).map(
    (change) => `${change.name}: ${componentStatusLabels[change.oldStatus]} → ${componentStatusLabels[change.newStatus]}`,
  );
}

function summaryOf(updates: FeedUpdate[], fallback: string): string {
  const newest = updates[0];
  return newest ? clipText(`${newest.label}: ${newest.body}`, 300) : clipText(fallback, 300);
}

function incidentEntry(
  publicUrl: string,
  summary: IncidentSummary,
  updates: IncidentUpdateRow[],
  visibleIds: ReadonlySet<string>,
): FeedEntry {
  const row = summary.incident;
  const feedUpdates: FeedUpdate[] = updates.map((update) => ({
    label: incidentStatusLabels[update.status],
    at: update.displayAt,
    body: update.body,
    details: changeLines(update.componentChanges, visibleIds),
  }));
  const intro = [`Incident · ${incidentStatusLabels[row.status]} · Impact: ${impactLabels[impactOfSeverity(row.severity)]}`];
  if (summary.components.length > 0) intro.push(`Affects: ${summary.components.map((item) => item.name).join(', ')}`);
  return {
    id: tagUri(publicUrl, row.createdAt, `incident/${row.id}`),
    title: row.title,
    link: `${publicUrl}/incidents/${row.id}`,
    published: row.createdAt,
    updated: latest([
      row.createdAt,
      row.resolvedAt,
      row.postmortemBody ? row.postmortemPublishedAt : null,
      ...updates.flatMap((update) => [update.createdAt, update.editedAt]),
    ]),
    summary: summaryOf(feedUpdates, incidentStatusLabels[row.status]),
    intro,
    updates: feedUpdates,
    category: 'incident',
  };
}

function maintenanceEntry(publicUrl: string, summary: MaintenanceSummary, updates: MaintenanceUpdateRow[]): FeedEntry {
  const row = summary.maintenance;
  const feedUpdates: FeedUpdate[] = updates.map((update) => ({
    label: maintenanceStatusLabels[update.status],
    at: update.createdAt,
    body: update.body,
  }));
  const intro = [
    `Scheduled maintenance · ${maintenanceStatusLabels[row.status]}`,
    `Planned for: ${formatWindow(row.scheduledFor, row.scheduledUntil, row.timeZone)}`,
  ];
  if (summary.components.length > 0) intro.push(`Affects: ${summary.components.map((item) => item.name).join(', ')}`);
  if (row.description.trim()) intro.push(row.description);
  return {
    id: tagUri(publicUrl, row.createdAt, `maintenance/${row.id}`),
    title: row.title,
    link: `${publicUrl}/maintenance/${row.id}`,
    published: row.createdAt,
    updated: latest([row.createdAt, row.startedAt, row.completedAt, row.cancelledAt, ...updates.map((update) => update.createdAt)]),
    summary: summaryOf(feedUpdates, row.description || maintenanceStatusLabels[row.status]),
    intro,
    updates: feedUpdates,
    category: 'maintenance',
  };
}

export interface SitemapEntry {
  path: string;
  lastmod: Date;
}

/** Most URLs one sitemap file may list (sitemaps.org allows 50,000). */
const SITEMAP_LIMIT = 45_000;

/**
 * Every public incident and completed maintenance page with the time its public content last
 * changed (an update posted or edited, a resolution, a post-mortem), newest first.
 */
export async function listSitemapEntries(context: ServiceContext): Promise<SitemapEntry[]> {
  const result = await context.db.execute(sql`
    select path, lastmod from (
      select '/incidents/' || ${incident.id} as path,
             greatest(${incident.createdAt}, ${incident.resolvedAt},
                      case when ${incident.postmortemBody} is not null then ${incident.postmortemPublishedAt} end,
                      (select max(greatest(${incidentUpdate.createdAt}, ${incidentUpdate.editedAt})) from ${incidentUpdate} where ${incidentUpdate.incidentId} = ${incident.id})) as lastmod
        from ${incident}
      union all
      select '/maintenance/' || ${maintenance.id} as path,
             greatest(${maintenance.createdAt}, ${maintenance.startedAt}, ${maintenance.completedAt},
                      (select max(${maintenanceUpdate.createdAt}) from ${maintenanceUpdate} where ${maintenanceUpdate.maintenanceId} = ${maintenance.id})) as lastmod
        from ${maintenance} where ${eq(maintenance.status, 'completed')}
    ) as entries
    order by lastmod desc, path
    limit ${SITEMAP_LIMIT}`);
  return (rowsOf(result) as { path: string; lastmod: Date | string }[]).map((row) => ({ path: row.path, lastmod: new Date(row.lastmod) }));
}

/** Response headers of a feed: its media type, the public pages' cache policy, any origin may read it. */
export function feedHeaders(format: FeedFormat, cacheControl: string): Record<string, string> {
  return {
    'Content-Type': format === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8',
    'Cache-Control': cacheControl,
    'Access-Control-Allow-Origin': '*',
  };
}

/** Component ids as the public URLs carry them. */
export const PUBLIC_ID = /^[a-z0-9]{1,40}$/;
