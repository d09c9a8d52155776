import { escapeHtml } from '../domain/escape';

const titles: Record<number, string> = {
  400: 'Bad request',
  404: 'Page not found',
  405: 'Method not allowed',
  413: 'Too large',
  422: 'Not accepted',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

/**
 * A self-contained error page for failures caught outside page rendering. It names the request
 * id so an operator can find the log line; it never shows a stack trace. A refused request (4xx)
 * says what was wrong with it (`detail`, escaped) instead of asking to try again.
 */
export function renderErrorPage(status: number, requestId: string, detail?: string): Response {
  const title = titles[status] ?? 'Error';
  const explanation = detail
    ? `${escapeHtml(detail)} Nothing was changed.`
    : 'Herald could not complete this request. Please try again in a moment.';
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color-scheme:light dark}</style></head>
<body><main><h1>${title}</h1><p>${explanation}</p>
<p>Reference: <code>${escapeHtml(requestId)}</code></p><p><a href="/">Back to the status page</a></p></main></body></html>`;
  return new Response(body, { status, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
}
