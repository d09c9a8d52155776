/**
 * Which requests the public edge may answer from memory, and under which key. A key names the
 * canonical form of the request: parameters a page does not read are dropped, and those it reads
 * are kept only in the form it would accept, so a query string cannot mint new variants beyond
 * what the pages themselves distinguish. Anything not listed here is rendered for each request.
 */

/** An id in a path or query, as Herald mints them (and a little wider, for imported data). */
const ID = '[A-Za-z0-9_-]{1,64}';
const ID_PATTERN = new RegExp(`^${ID}$`);
const MAX_HISTORY_PAGE = 10_000;
/** A badge label longer than this is refused by the page; it is never kept. */
const MAX_KEPT_LABEL_LENGTH = 160;

/** Paths whose answer ignores the query string entirely. */
const FIXED_PATHS = new Set([
  '/',
  '/history.atom',
  '/history.rss',
  '/sitemap.xml',
  '/robots.txt',
  '/embed/status.js',
  '/api/v2/summary.json',
  '/api/v2/status.json',
  '/api/v2/components.json',
  '/api/v2/incidents.json',
  '/api/v2/incidents/unresolved.json',
  '/api/v2/scheduled-maintenances.json',
  '/api/v2/scheduled-maintenances/active.json',
  '/api/v2/scheduled-maintenances/upcoming.json',
]);
const ENTITY_PAGE = new RegExp(`^/(incidents|maintenance)/${ID}$`);
const COMPONENT_FEED = new RegExp(`^/components/${ID}/history\\.(atom|rss)$`);
const COMPONENT_BADGE = new RegExp(`^/components/${ID}/badge\\.svg$`);

/**
 * The cache key of a public GET (`pathname` as sent, `search` with or without its `?`), or null
 * when the request must be rendered on its own. The key is also the URL the edge renders.
 */
export function publicCacheKey(pathname: string, search: string): string | null {
  if (FIXED_PATHS.has(pathname) || ENTITY_PAGE.test(pathname) || COMPONENT_FEED.test(pathname)) return pathname;
  if (pathname === '/history') return historyKey(new URLSearchParams(search));
  if (pathname === '/badge.svg' || COMPONENT_BADGE.test(pathname)) {
    const label = new URLSearchParams(search).get('label');
    if (label === null) return pathname;
    if (label.length > MAX_KEPT_LABEL_LENGTH) return null;
    return `${pathname}?${new URLSearchParams({ label }).toString()}`;
  }
  return null;
}

/** `/history` reads `component` (an id) and `page` (1 to 10,000); anything else is its first page. */
function historyKey(query: URLSearchParams): string {
  const canonical = new URLSearchParams();
  const component = query.get('component');
  if (component !== null && ID_PATTERN.test(component)) canonical.set('component', component);
  const page = query.get('page');
  if (page !== null && /^[1-9]\d{0,4}$/.test(page) && Number(page) > 1 && Number(page) <= MAX_HISTORY_PAGE) canonical.set('page', page);
  const text = canonical.toString();
  return text ? `/history?${text}` : '/history';
}

/** Whether a key carries a query: such variants are kept in a smaller part of the store. */
export function isQueryVariant(key: string): boolean {
  return key.includes('?');
}
