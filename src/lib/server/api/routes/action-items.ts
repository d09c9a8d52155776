import { z } from 'zod';
import { actionItemStates, dueDateOf } from '../../../domain/action-items';
import { getIncidentDetail } from '../../services/incidents/incident-detail';
import { notFound, success, type ServiceResult } from '../../services/kernel/errors';
import { getActionItem, listActionItems, listIncidentActionItems, type ActionItemView } from '../../services/plan/action-item-lists';
import {
  actionItemEditInput,
  actionItemStateInput,
  addActionItem,
  changeActionItemState,
  editActionItem,
  newActionItemInput,
} from '../../services/plan/action-items';
import type { ActionItemRow } from '../../db/schema';
import { getPageSettings } from '../../services/settings/page-settings';
import type { ServiceContext } from '../../services/kernel/context';
import { listOf } from '../resources';
import { patched, pathId, route, type ApiCall } from '../route';

const actionItemResource = z.object({
  id: z.string(),
  incidentId: z.string(),
  incidentTitle: z.string(),
  title: z.string(),
  ownerId: z.string().nullable(),
  ownerName: z.string().nullable(),
  /** The date it is due by, in the page's time zone; `dueAt` is the end of that day. */
  dueDate: z.iso.date(),
  dueAt: z.iso.datetime({ offset: false }),
  state: z.enum(actionItemStates),
  createdAt: z.iso.datetime({ offset: false }),
  updatedAt: z.iso.datetime({ offset: false }),
  closedAt: z.iso.datetime({ offset: false }).nullable(),
});

function itemJson(item: ActionItemView, timeZone: string): z.infer<typeof actionItemResource> {
  return {
    id: item.id,
    incidentId: item.incidentId,
    incidentTitle: item.incidentTitle,
    title: item.title,
    ownerId: item.ownerId,
    ownerName: item.ownerName,
    dueDate: dueDateOf(item.dueAt, timeZone),
    dueAt: item.dueAt.toISOString(),
    state: item.state,
    createdAt: item.createdAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
    closedAt: item.closedAt?.toISOString() ?? null,
  };
}

const listQuery = z.object({
  state: z.enum(actionItemStates).optional(),
  ownerId: z.string().max(40).optional(),
  overdue: z.enum(['true', 'false']).optional(),
});

async function viewsJson(context: ServiceContext, items: ActionItemView[]) {
  const { timeZone } = await getPageSettings(context);
  return items.map((item) => itemJson(item, timeZone));
}

/** The item as saved, read again with its owner's and incident's names. */
async function saved(context: ServiceContext, result: ServiceResult<ActionItemRow>) {
  if (!result.ok) return result;
  const item = await getActionItem(context, result.value.id);
  if (!item) return notFound('That action item does not exist.');
  const { timeZone } = await getPageSettings(context);
  return success(itemJson(item, timeZone));
}

async function withItem<T>(call: ApiCall, act: (item: ActionItemView) => Promise<ServiceResult<T>>): Promise<ServiceResult<T>> {
  const item = await getActionItem(call.context, pathId(call));
  return item ? act(item) : notFound('That action item does not exist.');
}

export const actionItemRoutes = [
  route({
    method: 'GET',
    path: '/incidents/{id}/action-items',
    operationId: 'listIncidentActionItems',
    summary: "An incident's post-mortem action items, open first",
    tag: 'Action items',
    role: 'viewer',
    response: { status: 200, description: 'The action items', schema: listOf(actionItemResource) },
    async handle(call) {
      const incidentId = pathId(call);
      if (!(await getIncidentDetail(call.context, incidentId))) return notFound('That incident does not exist.');
      return success({ data: await viewsJson(call.context, await listIncidentActionItems(call.context, incidentId)) });
    },
  }),
  route({
    method: 'POST',
    path: '/incidents/{id}/action-items',
    operationId: 'addActionItem',
    summary: 'Add an action item (a blank due date takes the default for the severity: 4 weeks for Critical, 8 otherwise)',
    tag: 'Action items',
    role: 'responder',
    body: newActionItemInput,
    response: { status: 201, description: 'The new action item', schema: actionItemResource },
    async handle(call) {
      const result = await addActionItem(call.context, call.principal.actor, pathId(call), call.body as z.input<typeof newActionItemInput>);
      return saved(call.context, result);
    },
  }),
  route({
    method: 'GET',
    path: '/action-items',
    operationId: 'listActionItems',
    summary: 'Every action item across incidents, open first, by state, owner or overdue',
    tag: 'Action items',
    role: 'viewer',
    query: listQuery,
    response: { status: 200, description: 'The action items', schema: listOf(actionItemResource) },
    async handle({ context, query }) {
      const filter = query as z.output<typeof listQuery>;
      const items = await listActionItems(context, {
        ...(filter.state ? { state: filter.state } : {}),
        ...(filter.ownerId ? { ownerId: filter.ownerId } : {}),
        overdue: filter.overdue === 'true',
      });
      return success({ data: await viewsJson(context, items) });
    },
  }),
  route({
    method: 'PATCH',
    path: '/action-items/{id}',
    operationId: 'updateActionItem',
    summary: 'Change the title, owner or due date of an action item (fields left out keep their values)',
    tag: 'Action items',
    role: 'responder',
    body: actionItemEditInput.partial(),
    response: { status: 200, description: 'The action item as saved', schema: actionItemResource },
    handle: (call) =>
      withItem(call, async (item) => {
        const { timeZone } = await getPageSettings(call.context);
        const stored = { title: item.title, ownerId: item.ownerId ?? '', dueDate: dueDateOf(item.dueAt, timeZone) };
        const input = patched(stored, call.body) as z.input<typeof actionItemEditInput>;
        return saved(call.context, await editActionItem(call.context, call.principal.actor, item.id, input));
      }),
  }),
  route({
    method: 'POST',
    path: '/action-items/{id}/state',
    operationId: 'changeActionItemState',
    summary: 'Mark an action item done or dropped, or reopen it',
    tag: 'Action items',
    role: 'responder',
    body: actionItemStateInput,
    response: { status: 200, description: 'The action item as saved', schema: actionItemResource },
    async handle(call) {
      const input = call.body as z.input<typeof actionItemStateInput>;
      return saved(call.context, await changeActionItemState(call.context, call.principal.actor, pathId(call), input));
    },
  }),
];
