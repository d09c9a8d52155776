import { statusApiRoutes } from '../../../../lib/server/status-api-response';

/** `/api/v2/scheduled-maintenances/active.json` of the Statuspage v2 contract: see lib/domain/statuspage.ts. */
const routes = statusApiRoutes('scheduled-maintenances/active');
export const GET = routes.GET;
export const HEAD = routes.HEAD;
export const OPTIONS = routes.OPTIONS;
