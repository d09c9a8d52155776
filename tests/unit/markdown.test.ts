import { describe, expect, it } from 'vitest';
import { isAllowedUrl, renderMarkdown } from '../../src/lib/domain/markdown';

/** Every href in the output. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]!);
}

/**
 * The output holds no element or attribute that could run script. Attribute values are blanked
 * first: the renderer escapes `"` inside them, so a `"` in its output only ever delimits a value.
 */
function expectInert(html: string): void {
  const tags = html.replace(/"[^"]*"/g, '""');
  expect(tags).not.toMatch(/<script/i);
  expect(tags).not.toMatch(/<img/i);
  expect(tags).not.toMatch(/<iframe/i);
  expect(tags).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i);
  for (const href of hrefs(html)) expect(href).not.toMatch(/^\s*(javascript|vbscript|data):/i);
}

describe('renderMarkdown: formatting', () => {
  it('renders headings', () => {
    expect(renderMarkdown('# Summary\n\n## Timeline')).toBe('<h1>Summary</h1>\n<h2>Timeline</h2>\n');
  });

  it('moves headings down by an offset, never past h6', () => {
    expect(renderMarkdown('# Summary\n\n##### Deep', { headingOffset: 2 })).toBe('<h3>Summary</h3>\n<h6>Deep</h6>\n');
  });

  it('renders lists', () => {
    expect(renderMarkdown('- one\n- two')).toBe('<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n');
    expect(renderMarkdown('1. first\n2. second')).toBe('<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n');
  });

  it('renders emphasis', () => {
    expect(renderMarkdown('*some* **strong** ~~gone~~')).toBe('<p><em>some</em> <strong>strong</strong> <s>gone</s></p>\n');
  });

  it('renders inline code and code blocks, escaped', () => {
    expect(renderMarkdown('Run `a < b`')).toBe('<p>Run <code>a &lt; b</code></p>\n');
    expect(renderMarkdown('```sql\nselect 1 < 2;\n```')).toBe('<pre><code class="language-sql">select 1 &lt; 2;\n</code></pre>\n');
  });

  it('leaves quotes and dashes as typed (no typographer)', () => {
    expect(renderMarkdown('"quoted" -- (c)')).toBe('<p>&quot;quoted&quot; -- (c)</p>\n');
  });
});

describe('renderMarkdown: links', () => {
  it('gives links rel="nofollow noopener"', () => {
    expect(renderMarkdown('[docs](https://example.com/a?b=1)')).toBe(
      '<p><a href="https://example.com/a?b=1" rel="nofollow noopener">docs</a></p>\n',
    );
  });

  it('turns bare URLs and email addresses into links, with rel', () => {
    const html = renderMarkdown('See https://example.com or ops@example.com');
    expect(html).toContain('<a href="https://example.com" rel="nofollow noopener">https://example.com</a>');
    expect(html).toContain('<a href="mailto:ops@example.com" rel="nofollow noopener">ops@example.com</a>');
  });

  it('keeps http, mailto and relative links', () => {
    expect(hrefs(renderMarkdown('[a](http://example.com) [b](mailto:x@example.com) [c](/history) [d](#top)'))).toEqual([
      'http://example.com',
      'mailto:x@example.com',
      '/history',
      '#top',
    ]);
  });

  it('refuses every other scheme', () => {
    for (const url of ['ftp://example.com/file', 'file:///etc/passwd', 'tel:+123', 'vbscript:msgbox(1)', 'data:image/png;base64,AAAA']) {
      const html = renderMarkdown(`[x](${url})`);
      expect(hrefs(html), url).toEqual([]);
    }
  });

  it('checks URLs by scheme', () => {
    expect(isAllowedUrl('https://example.com')).toBe(true);
    expect(isAllowedUrl('HTTPS://EXAMPLE.COM')).toBe(true);
    expect(isAllowedUrl('/incidents/abc')).toBe(true);
    expect(isAllowedUrl('javascript:alert(1)')).toBe(false);
    expect(isAllowedUrl('JaVaScRiPt:alert(1)')).toBe(false);
    expect(isAllowedUrl('data:text/html,x')).toBe(false);
  });
});

describe('renderMarkdown: hostile input comes out inert', () => {
  it('escapes a script element', () => {
    const html = renderMarkdown('<script>alert(1)</script>');
    expect(html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
    expectInert(html);
  });

  it('escapes an img with an event handler', () => {
    const html = renderMarkdown('<img src=x onerror=alert(1)>');
    expect(html).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>\n');
    expectInert(html);
  });

  it('escapes raw HTML blocks and inline HTML', () => {
    const html = renderMarkdown(
      '<div onclick="alert(1)">\nhi\n</div>\n\ntext <a href="javascript:alert(1)">x</a> <iframe src="https://evil.example"></iframe>',
    );
    expect(html).toContain('&lt;div onclick=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('&lt;a href=&quot;javascript:alert(1)&quot;&gt;');
    expectInert(html);
  });

  it('drops a javascript: link, keeping its text', () => {
    const html = renderMarkdown('[x](javascript:alert(1))');
    expect(html).toBe('<p>[x](javascript:alert(1))</p>\n');
    expectInert(html);
  });

  it('drops a data: link', () => {
    const html = renderMarkdown('[x](data:text/html,<script>alert(1)</script>)');
    expect(hrefs(html)).toEqual([]);
    expectInert(html);
  });

  it('drops disguised javascript: links', () => {
    for (const source of [
      '[x](JAVASCRIPT:alert(1))',
      '[x](jav&#x61;script:alert(1))',
      '[x](&#106;avascript:alert(1))',
      '[x](<java\tscript:alert(1)>)',
      '[x]( javascript:alert(1))',
      '<javascript:alert(1)>',
      '[x][ref]\n\n[ref]: javascript:alert(1)',
      '![x](javascript:alert(1))',
    ]) {
      const html = renderMarkdown(source);
      expectInert(html);
      for (const href of hrefs(html)) expect(href, source).not.toMatch(/script:/i);
    }
  });

  it('escapes quotes in link URLs and titles, so no attribute can be injected', () => {
    const html = renderMarkdown('[x](https://example.com/"onmouseover="alert(1) "t\\" onclick=\\"y")');
    expectInert(html);
    expect(html).toBe(
      '<p><a href="https://example.com/%22onmouseover=%22alert(1)" title="t&quot; onclick=&quot;y" rel="nofollow noopener">x</a></p>\n',
    );
  });
});
