import type { NormalisedAlert } from './alert-intake';
import { orderedSignals, worstStatusPerComponent, type ComponentChange, type KnownComponent } from './alert-mapping';
import { firingValues, publicMessage, publicTitle } from './alert-wording';
import type { WordingTemplates } from './public-wording';
import { classifySeverity, type SeveritySignalId } from './severity-classifier';
import type { Severity } from './statuses';

/**
 * What an incident draft of alert intake proposes (its draft mode, issue 7): the title, severity,
 * components and message a responder confirms, and how a draft grows as its group fires again.
 */

export interface DraftProposal {
  title: string;
  severity: Severity;
  /** The classifier's reason, in words. */
  severityReason: string;
  signals: SeveritySignalId[];
  components: ComponentChange[];
  message: string;
}

/** What a draft should say for some alerts, components and signals. */
export function draftProposal(
  alerts: readonly Pick<NormalisedAlert, 'annotations' | 'startsAt'>[],
  changes: ComponentChange[],
  signals: SeveritySignalId[],
  components: ReadonlyMap<string, KnownComponent>,
  wording: WordingTemplates,
  now: Date,
): DraftProposal {
  const suggestion = classifySeverity(
    signals,
    changes.map((change) => change.status),
  );
  const values = firingValues(alerts, changes, components, now);
  return {
    title: publicTitle(alerts, wording, values),
    severity: suggestion.severity,
    severityReason: suggestion.reason,
    signals,
    components: changes,
    message: publicMessage(alerts, wording, values),
  };
}

/** A draft gathers everything its group has raised while it waits: components and signals only grow. */
export function grownDraftEvidence(
  draft: Pick<DraftProposal, 'components' | 'signals'>,
  added: Pick<DraftProposal, 'components' | 'signals'>,
  components: ReadonlyMap<string, KnownComponent>,
): { changes: ComponentChange[]; signals: SeveritySignalId[] } {
  return {
    changes: worstStatusPerComponent([...draft.components, ...added.components], components),
    signals: orderedSignals([...draft.signals, ...added.signals]),
  };
}

const componentPairs = (changes: readonly ComponentChange[]) => JSON.stringify(changes.map((item) => [item.componentId, item.status]));

/** True when the proposal says anything the stored draft does not. */
export function draftDiffers(proposal: DraftProposal, draft: DraftProposal): boolean {
  return (
    proposal.title !== draft.title ||
    proposal.severity !== draft.severity ||
    proposal.severityReason !== draft.severityReason ||
    proposal.message !== draft.message ||
    JSON.stringify(proposal.signals) !== JSON.stringify(draft.signals) ||
    // jsonb keeps its own key order: compare the pairs, not the text.
    componentPairs(proposal.components) !== componentPairs(draft.components)
  );
}
