import { statusApiRoutes } from '../../../../lib/server/status-api-response';

/** `/api/v2/scheduled-maintenances/upcoming.json` of the Statuspage v2 contract: see lib/domain/statuspage.ts. */
const routes = statusApiRoutes('scheduled-maintenances/upcoming');
export const GET = routes.GET;
export const HEAD = routes.HEAD;
export const OPTIONS = routes.OPTIONS;
