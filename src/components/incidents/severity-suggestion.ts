import type { SeveritySuggestion } from '../../lib/domain/severity-classifier';
import { severityLabels } from '../../lib/domain/statuses';

/**
 * The suggestion in words, in two parts: "Suggested: Critical" and "payment processing failures".
 * Shared by the server-rendered form and its script, so both say the same thing.
 */
export function suggestionInWords(suggestion: SeveritySuggestion): { label: string; why: string } {
  const label = severityLabels[suggestion.severity];
  const prefix = `${label}: `;
  return { label, why: suggestion.reason.startsWith(prefix) ? suggestion.reason.slice(prefix.length) : suggestion.reason };
}
