import { pgEnum } from 'drizzle-orm/pg-core';
import { componentStatuses, incidentStatuses, severities } from '../../../domain/statuses';
import { roles } from '../../../domain/roles';

/**
 * The Postgres enums that the tables of more than one area use. They sit apart from every table so
 * that the area files, which reference each other's tables, can all use them while loading.
 */

export const roleEnum = pgEnum('role', roles);
export const componentStatusEnum = pgEnum('component_status', componentStatuses);
export const incidentStatusEnum = pgEnum('incident_status', incidentStatuses);
export const severityEnum = pgEnum('severity', severities);

/** The life of one email (delivery) or one webhook POST (webhook_delivery). */
export const deliveryStates = ['queued', 'sending', 'sent', 'failed'] as const;
export const deliveryStateEnum = pgEnum('delivery_state', deliveryStates);
