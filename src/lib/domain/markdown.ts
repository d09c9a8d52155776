import MarkdownIt from 'markdown-it';

/**
 * Markdown written by staff (post-mortems), rendered to HTML that is safe to insert as is:
 * raw HTML in the source is escaped (`html: false`), and links and images may only point at
 * http(s) or mailto URLs, or at relative ones (which stay on this site).
 */
const ALLOWED_SCHEMES = new Set(['http', 'https', 'mailto']);
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * Called by markdown-it with the URL already normalised (entities decoded, then percent-encoded,
 * so control characters and spaces can no longer hide a scheme).
 */
export function isAllowedUrl(url: string): boolean {
  const trimmed = url.trim();
  const scheme = SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) return !trimmed.includes(':') || /^[/?#.]/.test(trimmed);
  return ALLOWED_SCHEMES.has(scheme);
}

function createRenderer(): MarkdownIt {
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
  md.validateLink = isAllowedUrl;
  const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx]?.attrSet('rel', 'nofollow noopener');
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  return md;
}

const renderer = createRenderer();

export interface RenderMarkdownOptions {
  /**
   * Levels added to every heading (capped at h6), so that a `#` in the text sits below the
   * headings of the page it is shown in.
   */
  headingOffset?: number;
}

export function renderMarkdown(text: string, options: RenderMarkdownOptions = {}): string {
  const offset = Math.max(0, Math.trunc(options.headingOffset ?? 0));
  const tokens = renderer.parse(text, {});
  if (offset > 0) {
    for (const token of tokens) {
      if (token.type === 'heading_open' || token.type === 'heading_close') {
        token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + offset)}`;
      }
    }
  }
  return renderer.renderer.render(tokens, renderer.options, {});
}
