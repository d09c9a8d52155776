import { statusApiRoutes } from '../../../lib/server/status-api-response';

/** `/api/v2/summary.json` of the Statuspage v2 contract: see lib/domain/statuspage.ts. */
const routes = statusApiRoutes('summary');
export const GET = routes.GET;
export const HEAD = routes.HEAD;
export const OPTIONS = routes.OPTIONS;
