import { describe, expect, it } from 'vitest';
import type { KnownComponent } from '../../src/lib/domain/alert-mapping';
import { alertTime, firingValues, publicMessage, publicTitle, wordedMessage } from '../../src/lib/domain/alert-wording';
import {
  componentPhrase,
  defaultWording,
  renderWording,
  templateProblem,
  wordingKinds,
  type WordingValues,
} from '../../src/lib/domain/public-wording';

const values: WordingValues = { components: 'Search and API', status: 'a major outage', started: '14:05 UTC' };
const withTemplate = (template: string) => ({ ...defaultWording, firing: template });

describe('wording templates', () => {
  it('fills in every placeholder, as often as it is used', () => {
    expect(renderWording(withTemplate('{components} had {status} from {started}; {components} again.'), 'firing', values)).toBe(
      'Search and API had a major outage from 14:05 UTC; Search and API again.',
    );
  });

  it('starts with a capital letter when a placeholder starts the text', () => {
    expect(renderWording(defaultWording, 'title', { ...values, status: 'degraded performance', components: 'Payouts' })).toBe(
      'Degraded performance of Payouts',
    );
  });

  it('keeps text without placeholders as it is', () => {
    expect(renderWording(withTemplate('All good.'), 'firing', values)).toBe('All good.');
    expect(templateProblem('All good.')).toBeUndefined();
  });

  it('refuses an unknown placeholder, naming it and the known ones', () => {
    expect(templateProblem('Alert {alertname} fired')).toBe('Unknown placeholder {alertname}: use {components}, {status}, {started}.');
    expect(templateProblem('{}')).toBe('Unknown placeholder {}: use {components}, {status}, {started}.');
    expect(templateProblem('{ components }')).toContain('Unknown placeholder { components }');
  });

  it('refuses unbalanced braces', () => {
    expect(templateProblem('We are looking at {components')).toBe('A “{” is not closed: placeholders are written like {components}.');
    expect(templateProblem('components} is down')).toBe('A “}” has no “{” before it: placeholders are written like {components}.');
    expect(templateProblem('{components}} is down')).toContain('has no “{” before it');
    expect(templateProblem('{{components}}')).toContain('Unknown placeholder {{components}');
  });

  it('has defaults that parse and speak plainly', () => {
    for (const kind of wordingKinds) {
      expect(templateProblem(defaultWording[kind])).toBeUndefined();
      expect(defaultWording[kind].toLowerCase()).not.toContain('alert');
      expect(defaultWording[kind]).toContain('{components}');
    }
  });

  it('lists components in words, with a neutral phrase for none', () => {
    expect(componentPhrase([])).toBe('some of our services');
    expect(componentPhrase(['Search'])).toBe('Search');
    expect(componentPhrase(['Search', 'API'])).toBe('Search and API');
    expect(componentPhrase(['Search', 'API', 'Web'])).toBe('Search, API and Web');
  });
});

describe('public text of alerts', () => {
  const now = new Date('2026-03-01T14:07:00Z');
  const components = new Map<string, KnownComponent>([
    ['c-search', { id: 'c-search', name: 'Search', hidden: false, order: 0 }],
    ['c-api', { id: 'c-api', name: 'API', hidden: false, order: 1 }],
    ['c-db', { id: 'c-db', name: 'Internal DB', hidden: true, order: 2 }],
  ]);
  const alert = {
    labels: { alertname: 'HighErrorRate', instance: 'search-7f9c:8080' },
    annotations: {
      summary: 'High error rate on search-api',
      description: 'search-api answers 12% 5xx, see https://runbooks.internal.example/x',
    },
    startsAt: new Date('2026-03-01T14:05:31Z'),
  };
  const firing = firingValues(
    [alert],
    [
      { componentId: 'c-api', status: 'partial_outage' },
      { componentId: 'c-search', status: 'degraded_performance' },
      { componentId: 'c-db', status: 'major_outage' },
    ],
    components,
    now,
  );

  it('fills the placeholders from the public components only, their worst status and the earliest start', () => {
    expect(firing).toEqual({ components: 'Search and API', status: 'a partial outage', started: '14:05 UTC' });
    expect(firingValues([alert], [{ componentId: 'c-db', status: 'major_outage' }], components, now)).toEqual({
      components: 'some of our services',
      status: 'a disruption',
      started: '14:05 UTC',
    });
  });

  it('titles and words alerts by the templates, leaking nothing of the alert', () => {
    const title = publicTitle([alert], defaultWording, firing);
    const message = publicMessage([alert], defaultWording, firing);
    expect(title).toBe('A partial outage of Search and API');
    expect(message).toBe('We are investigating a partial outage of Search and API. We will post an update as soon as we know more.');
    for (const text of [title, message]) {
      for (const leak of ['HighErrorRate', 'search-api', 'http', 'search-7f9c', 'Internal DB']) expect(text).not.toContain(leak);
    }
  });

  it('uses herald_title or public_title, trimmed to 200 characters', () => {
    expect(publicTitle([{ ...alert, annotations: { public_title: 'Search is slow' } }], defaultWording, firing)).toBe('Search is slow');
    expect(publicTitle([{ ...alert, annotations: { herald_title: 'Search errors', public_title: 'Other' } }], defaultWording, firing)).toBe(
      'Search errors',
    );
    const long = publicTitle([alert], defaultWording, { ...firing, components: 'Component '.repeat(40) });
    expect(long).toHaveLength(200);
    expect(long.endsWith('…')).toBe(true);
  });

  it('uses herald_message or public_message before the template', () => {
    expect(publicMessage([{ ...alert, annotations: { public_message: 'Searches may fail.' } }], defaultWording, firing)).toBe(
      'Searches may fail.',
    );
    expect(publicMessage([{ ...alert, annotations: { herald_message: 'Search is down.' } }], defaultWording, firing)).toBe(
      'Search is down.',
    );
  });

  it('words the later steps by their own templates', () => {
    const wording = { ...defaultWording, cleared: 'Fixed {components} at {started}.' };
    expect(wordedMessage(wording, 'cleared', firing)).toBe('Fixed Search and API at 14:05 UTC.');
    expect(wordedMessage(wording, 'resolved', firing)).toBe(
      'The issue affecting Search and API is resolved and everything is working normally again.',
    );
  });

  it('gives the date when the alert started on another day', () => {
    expect(alertTime(new Date('2026-02-28T23:55:00Z'), now)).toBe('2026-02-28 23:55 UTC');
    expect(alertTime(new Date('2026-03-01T00:01:00Z'), now)).toBe('00:01 UTC');
  });
});
