import { escapeHtml } from '../../domain/escape';
import {
  componentStatusLabels,
  impactLabels,
  incidentStatusLabels,
  type ComponentStatus,
  type Impact,
  type IncidentStatus,
} from '../../domain/statuses';
import { formatUtc } from '../../domain/time-format';
import {
  button,
  clockTimeUtc,
  layout,
  nextUpdateLine,
  paragraphs,
  subscriberFooterHtml,
  subscriberFooterText,
  type RenderedMail,
  type SubscriberLinks,
} from './templates';

/** One public update as an email tells it, with the next update it promised (null: none). */
interface StoryUpdate {
  status: IncidentStatus;
  postedAt: Date;
  body: string;
  nextUpdateBy: Date | null;
}

/** What an outage's customer emails tell: the incident as it stands, and its public updates. */
interface IncidentStoryFacts extends SubscriberLinks {
  incidentTitle: string;
  impact: Impact;
  startedAt: Date;
  components: { name: string; status: ComponentStatus }[];
  incidentUrl: string;
}

interface IncidentStoryContent extends IncidentStoryFacts {
  /** Every public update so far, newest first; the newest one's promise is the next update customers are told of. */
  updates: [StoryUpdate, ...StoryUpdate[]];
}

interface IncidentFollowUpContent extends IncidentStoryFacts {
  update: StoryUpdate;
}

const componentLine = (item: { name: string; status: ComponentStatus }) => `${item.name}: ${componentStatusLabels[item.status]}`;

const updateHeading = (update: StoryUpdate) => `${incidentStatusLabels[update.status]} · ${formatUtc(update.postedAt)}`;

const subjectOf = (content: IncidentStoryFacts, update: StoryUpdate) =>
  `[${content.pageName}] ${content.incidentTitle}: ${incidentStatusLabels[update.status]}`;

/**
 * The customer email of an outage, the first email subscribers get about it: what happened
 * (title, impact, start), the affected components as they are now, every public update so far
 * newest first, and when the next update is due.
 */
export function incidentStoryMail(content: IncidentStoryContent): RenderedMail {
  const [latest] = content.updates;
  const facts: [string, string][] = [
    ['Impact', impactLabels[content.impact]],
    ['Started', formatUtc(content.startedAt)],
  ];
  const componentLines = content.components.map(componentLine);
  const nextUpdate = nextUpdateLine(latest.nextUpdateBy, latest.postedAt);
  const text = [
    content.incidentTitle,
    ...facts.map(([label, value]) => `${label}: ${value}`),
    '',
    ...(componentLines.length > 0 ? ['Affected components:', ...componentLines.map((line) => `- ${line}`), ''] : []),
    'Updates (newest first):',
    '',
    ...content.updates.flatMap((update) => [updateHeading(update), update.body, '']),
    ...(nextUpdate ? [nextUpdate, ''] : []),
    `Follow this incident: ${content.incidentUrl}`,
    '',
    ...subscriberFooterText(content),
  ].join('\n');
  const factsHtml = `<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 16px;font-size:14px">${facts
    .map(
      ([label, value]) =>
        `<tr><td style="padding:2px 12px 2px 0;font-weight:600">${escapeHtml(label)}</td><td style="padding:2px 0">${escapeHtml(value)}</td></tr>`,
    )
    .join('')}</table>`;
  const componentsHtml =
    componentLines.length > 0
      ? `<p style="margin:16px 0 4px;font-weight:600">Affected components</p><ul style="margin:0 0 16px;padding-left:20px">${componentLines
          .map((line) => `<li>${escapeHtml(line)}</li>`)
          .join('')}</ul>`
      : '';
  const updatesHtml = content.updates
    .map(
      (update) =>
        `<p style="margin:16px 0 4px;font-size:14px;color:#64748b"><strong>${escapeHtml(incidentStatusLabels[update.status])}</strong> · ${escapeHtml(formatUtc(update.postedAt))}</p>
${paragraphs(update.body)}`,
    )
    .join('\n');
  const html = layout({
    pageName: content.pageName,
    preheader: `${incidentStatusLabels[latest.status]}: ${latest.body.slice(0, 120)}`,
    body: `<h1 style="margin:0 0 12px;font-size:20px">${escapeHtml(content.incidentTitle)}</h1>
${factsHtml}
${componentsHtml}
<p style="margin:16px 0 4px;font-weight:600">Updates, newest first</p>
${updatesHtml}
${nextUpdate ? `<p style="margin:16px 0;font-weight:600">${escapeHtml(nextUpdate)}</p>` : ''}
<p style="margin:16px 0">${button(content.incidentUrl, 'Follow this incident')}</p>`,
    footer: subscriberFooterHtml(content),
  });
  return { subject: subjectOf(content, latest), html, text };
}

/** "Payouts outage since 14:02 UTC · Critical · Affects: Payouts (major outage)": the thread's context in one line. */
function contextLine(content: IncidentFollowUpContent): string {
  const affected = content.components.map((item) => `${item.name} (${componentStatusLabels[item.status].toLowerCase()})`).join(', ');
  return [
    `${content.incidentTitle} since ${clockTimeUtc(content.startedAt, content.update.postedAt)}`,
    impactLabels[content.impact],
    ...(affected ? [`Affects: ${affected}`] : []),
  ].join(' · ');
}

/** A later email of an outage's thread, after the customer email: the new update and one line of context. */
export function incidentFollowUpMail(content: IncidentFollowUpContent): RenderedMail {
  const context = contextLine(content);
  const nextUpdate = nextUpdateLine(content.update.nextUpdateBy, content.update.postedAt);
  const text = [
    content.incidentTitle,
    updateHeading(content.update),
    '',
    content.update.body,
    '',
    ...(nextUpdate ? [nextUpdate, ''] : []),
    context,
    '',
    `Follow this incident: ${content.incidentUrl}`,
    '',
    ...subscriberFooterText(content),
  ].join('\n');
  const html = layout({
    pageName: content.pageName,
    preheader: `${incidentStatusLabels[content.update.status]}: ${content.update.body.slice(0, 120)}`,
    body: `<h1 style="margin:0 0 4px;font-size:20px">${escapeHtml(content.incidentTitle)}</h1>
<p style="margin:0 0 16px;font-size:14px;color:#64748b"><strong>${escapeHtml(incidentStatusLabels[content.update.status])}</strong> · ${escapeHtml(formatUtc(content.update.postedAt))}</p>
${paragraphs(content.update.body)}
${nextUpdate ? `<p style="margin:16px 0;font-weight:600">${escapeHtml(nextUpdate)}</p>` : ''}
<p style="margin:16px 0;font-size:14px;color:#64748b">${escapeHtml(context)}</p>
<p style="margin:16px 0">${button(content.incidentUrl, 'Follow this incident')}</p>`,
    footer: subscriberFooterHtml(content),
  });
  return { subject: subjectOf(content, content.update), html, text };
}
