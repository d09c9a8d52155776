import { XMLParser } from 'fast-xml-parser';
import { xmlError } from '../support/xml';
import { describe, expect, it } from 'vitest';
import {
  BADGE_LABEL_COLOUR,
  badgeColourOfComponentStatus,
  badgeColourOfIndicator,
  badgeColours,
  buildBadgeSvg,
  MAX_BADGE_LABEL,
  parseBadgeLabel,
  textWidth,
} from '../../src/lib/domain/badge';
import { indicators } from '../../src/lib/domain/rollup';
import { componentStatuses } from '../../src/lib/domain/statuses';

const EVIL = `<script>alert("x")</script> & 'quotes' ]]> &amp; 🚨🔥 مرحبا بالعالم שלום`;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ['text', 'rect', 'g'].includes(name),
});

function parseSvg(svg: string) {
  expect(xmlError(svg)).toBeNull();
  return parser.parse(svg).svg;
}

/** WCAG contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5]
      .map((index) => Number.parseInt(hex.slice(index, index + 2), 16) / 255)
      .map((value) => (value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high! + 0.05) / (low! + 0.05);
}

describe('textWidth', () => {
  it('grows with the text and tells narrow letters from wide ones', () => {
    expect(textWidth('')).toBe(0);
    expect(textWidth('iiii')).toBeLessThan(textWidth('WWWW'));
    expect(textWidth('status')).toBeGreaterThan(25);
    expect(textWidth('All Systems Operational')).toBeGreaterThan(textWidth('status'));
  });

  it('gives emoji and East Asian characters a wide cell and combining marks none', () => {
    expect(textWidth('🚨')).toBeGreaterThan(textWidth('a'));
    expect(textWidth('状態')).toBeGreaterThan(textWidth('ab'));
    expect(textWidth('e\u0301')).toBe(textWidth('e'));
    expect(textWidth('👩‍💻')).toBeLessThanOrEqual(2 * textWidth('🚨'));
  });
});

describe('colours', () => {
  it('every fill keeps white text readable (contrast at least 4.5:1)', () => {
    for (const colour of [...Object.values(badgeColours), BADGE_LABEL_COLOUR])
      expect(contrast(colour, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });

  it('follows the tone of each indicator and component status', () => {
    expect(badgeColourOfIndicator('none')).toBe(badgeColours.ok);
    expect(badgeColourOfIndicator('critical')).toBe(badgeColours.major);
    expect(badgeColourOfIndicator('maintenance')).toBe(badgeColours.maintenance);
    expect(new Set(indicators.map(badgeColourOfIndicator)).size).toBe(5);
    expect(badgeColourOfComponentStatus('operational')).toBe(badgeColours.ok);
    expect(badgeColourOfComponentStatus('major_outage')).toBe(badgeColours.major);
    expect(new Set(componentStatuses.map(badgeColourOfComponentStatus)).size).toBe(5);
  });
});

describe('parseBadgeLabel', () => {
  it('accepts 1 to 40 characters (emoji count as one), trimmed', () => {
    expect(parseBadgeLabel(null)).toEqual({ label: null });
    expect(parseBadgeLabel('  uptime ')).toEqual({ label: 'uptime' });
    expect(parseBadgeLabel('🚨'.repeat(MAX_BADGE_LABEL))).toEqual({ label: '🚨'.repeat(40) });
    const shortEvil = `<b>"x" & 'y' ]]> 🚨 שלום`;
    expect(parseBadgeLabel(shortEvil)).toEqual({ label: shortEvil });
    expect(parseBadgeLabel(EVIL)).toHaveProperty('error');
  });

  it('refuses an empty, too long or control-character label', () => {
    expect(parseBadgeLabel('   ')).toHaveProperty('error');
    expect(parseBadgeLabel('x'.repeat(41))).toHaveProperty('error');
    expect(parseBadgeLabel('a\u0000b')).toHaveProperty('error');
    expect(parseBadgeLabel('a\nb')).toHaveProperty('error');
  });
});

describe('buildBadgeSvg', () => {
  it('draws two parts sized to their text, with an accessible name', () => {
    const svg = buildBadgeSvg({ label: 'status', message: 'All Systems Operational', colour: badgeColours.ok });
    const root = parseSvg(svg);
    expect(root['@xmlns']).toBe('http://www.w3.org/2000/svg');
    expect(root['@role']).toBe('img');
    expect(root['@aria-label']).toBe('status: All Systems Operational');
    expect(root.title).toBe('status: All Systems Operational');
    const [left, right] = root.g[0].rect;
    expect(left['@fill']).toBe(BADGE_LABEL_COLOUR);
    expect(right['@fill']).toBe(badgeColours.ok);
    const width = Number(root['@width']);
    expect(Number(left['@width']) + Number(right['@width'])).toBe(width);
    expect(Number(left['@width'])).toBeGreaterThanOrEqual(textWidth('status') + 10);
    expect(Number(right['@width'])).toBeGreaterThanOrEqual(textWidth('All Systems Operational') + 10);
    expect(root['@height']).toBe('20');
    // Each text twice (shadow, then text); the shadow is hidden from assistive technology.
    const texts = root.g[1].text;
    expect(texts.map((text: { '#text': string }) => text['#text'])).toEqual([
      'status',
      'status',
      'All Systems Operational',
      'All Systems Operational',
    ]);
    expect(texts[0]['@aria-hidden']).toBe('true');
    expect(Number(texts[2]['@x'])).toBeGreaterThan(Number(left['@width']));
  });

  it('keeps hostile text intact and inert, in text and in attributes', () => {
    const svg = buildBadgeSvg({ label: EVIL, message: `${EVIL}!`, colour: badgeColours.major });
    expect(svg).not.toMatch(/<script/i);
    const root = parseSvg(svg);
    expect(root['@aria-label']).toBe(`${EVIL}: ${EVIL}!`);
    expect(root.title).toBe(`${EVIL}: ${EVIL}!`);
    expect(root.g[1].text.map((text: { '#text': string }) => text['#text'])).toEqual([EVIL, EVIL, `${EVIL}!`, `${EVIL}!`]);
  });

  it('never writes a colour that is not a hex colour', () => {
    const svg = buildBadgeSvg({ label: 'a', message: 'b', colour: 'red" onload="alert(1)' });
    expect(parseSvg(svg).g[0].rect[1]['@fill']).toBe(BADGE_LABEL_COLOUR);
  });
});
