import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { isActionItemOverdue, type ActionItemState } from '../../../domain/action-items';
import { actionItem, incident, user, type ActionItemRow } from '../../db/schema';
import type { ServiceContext } from '../kernel/context';

/** Action items as the post-mortem page and /admin/actions show them: with the owner's and the incident's names. */

export type ActionItemView = ActionItemRow & { ownerName: string | null; incidentTitle: string };

export interface ActionItemFilter {
  /** One state, or every item when absent. */
  state?: ActionItemState;
  ownerId?: string;
  /** Only open items past their due date. */
  overdue?: boolean;
}

const view = {
  item: actionItem,
  ownerName: user.name,
  incidentTitle: incident.title,
};

/** Open items first, each group by due date. */
const openFirst = [sql`case when ${actionItem.state} = 'open' then 0 else 1 end`, asc(actionItem.dueAt), asc(actionItem.createdAt)];

function selectViews(context: Pick<ServiceContext, 'db'>, where: SQL | undefined) {
  return context.db
    .select(view)
    .from(actionItem)
    .innerJoin(incident, eq(incident.id, actionItem.incidentId))
    .leftJoin(user, eq(user.id, actionItem.ownerId))
    .where(where)
    .orderBy(...openFirst);
}

const flatten = (rows: { item: ActionItemRow; ownerName: string | null; incidentTitle: string }[]): ActionItemView[] =>
  rows.map((row) => ({ ...row.item, ownerName: row.ownerName, incidentTitle: row.incidentTitle }));

export async function listIncidentActionItems(context: Pick<ServiceContext, 'db'>, incidentId: string): Promise<ActionItemView[]> {
  return flatten(await selectViews(context, eq(actionItem.incidentId, incidentId)));
}

export async function getActionItem(context: Pick<ServiceContext, 'db'>, itemId: string): Promise<ActionItemView | undefined> {
  const [item] = flatten(await selectViews(context, eq(actionItem.id, itemId)));
  return item;
}

/** Every action item across incidents, filtered, open first. */
export async function listActionItems(context: ServiceContext, filter: ActionItemFilter): Promise<ActionItemView[]> {
  const now = context.clock.now();
  const conditions = [
    filter.state ? eq(actionItem.state, filter.state) : undefined,
    filter.ownerId ? eq(actionItem.ownerId, filter.ownerId) : undefined,
  ];
  const items = flatten(await selectViews(context, and(...conditions)));
  return filter.overdue ? items.filter((item) => isActionItemOverdue(item, now)) : items;
}

/** The staff an item may be given to: every user not disabled, by name. */
export async function listActionItemOwners(context: Pick<ServiceContext, 'db'>): Promise<{ id: string; name: string; email: string }[]> {
  return context.db
    .select({ id: user.id, name: user.name, email: user.email })
    .from(user)
    .where(isNull(user.disabledAt))
    .orderBy(asc(user.name), asc(user.email));
}
