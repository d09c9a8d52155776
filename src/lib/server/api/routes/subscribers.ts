import { z } from 'zod';
import { subscriberStates } from '../../db/schema';
import { success } from '../../services/kernel/errors';
import {
  addSubscriberByAdmin,
  adminSubscriberInput,
  componentIdsOfSubscribers,
  listSubscribers,
  removeSubscriber,
} from '../../services/subscribers/subscribers';
import { pageOf, subscriberJson, subscriberResource } from '../resources';
import { pathId, route } from '../route';

const listQuery = z.object({
  search: z.string().max(254).optional(),
  state: z.enum(subscriberStates).optional(),
  componentId: z.string().max(40).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

export const subscriberRoutes = [
  route({
    method: 'GET',
    path: '/subscribers',
    operationId: 'listSubscribers',
    summary: 'Email subscribers by address, 50 a page; filter by text, state or component',
    tag: 'Subscribers',
    role: 'admin',
    query: listQuery,
    response: { status: 200, description: 'A page of subscribers', schema: pageOf(subscriberResource) },
    async handle({ context, query }) {
      const filters = query as z.output<typeof listQuery>;
      const result = await listSubscribers(context, {
        search: filters.search ?? '',
        state: filters.state ?? null,
        componentId: filters.componentId ?? null,
        page: filters.page,
      });
      const components = await componentIdsOfSubscribers(
        context,
        result.items.map((item) => item.id),
      );
      return success({
        data: result.items.map((item) => subscriberJson(item, components.get(item.id) ?? [])),
        page: result.page,
        pageCount: result.pageCount,
        total: result.total,
      });
    },
  }),
  route({
    method: 'POST',
    path: '/subscribers',
    operationId: 'addSubscriber',
    summary: 'Add a confirmed subscriber (no confirmation email: the admin vouches)',
    tag: 'Subscribers',
    role: 'admin',
    body: adminSubscriberInput,
    response: { status: 201, description: 'The subscriber', schema: subscriberResource },
    async handle({ context, principal, body }) {
      const result = await addSubscriberByAdmin(context, principal.actor, body as z.input<typeof adminSubscriberInput>);
      if (!result.ok) return result;
      const components = await componentIdsOfSubscribers(context, [result.value.id]);
      return success(subscriberJson(result.value, components.get(result.value.id) ?? []));
    },
  }),
  route({
    method: 'DELETE',
    path: '/subscribers/{id}',
    operationId: 'removeSubscriber',
    summary: 'Remove a subscriber',
    tag: 'Subscribers',
    role: 'admin',
    response: { status: 204, description: 'Removed' },
    async handle({ context, principal, params }) {
      const result = await removeSubscriber(context, principal.actor, pathId({ params }));
      return result.ok ? success(null) : result;
    },
  }),
];
