import { statusApiRoutes } from '../../../lib/server/status-api-response';

/** `/api/v2/incidents.json` of the Statuspage v2 contract: see lib/domain/statuspage.ts. */
const routes = statusApiRoutes('incidents');
export const GET = routes.GET;
export const HEAD = routes.HEAD;
export const OPTIONS = routes.OPTIONS;
