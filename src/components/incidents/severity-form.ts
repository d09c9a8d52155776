/**
 * Progressive enhancement of the declare form (src/pages/admin/incidents/new.astro): the severity
 * suggestion follows the ticked signals and the components' statuses as they change, computed in
 * the browser by the same classifier the server uses, and "Why a different severity?" shows only
 * when the chosen severity differs from the suggestion. Without JavaScript the form does all this
 * through its "Suggest severity" button instead.
 */
import { classifySeverity, severitySignalIds, type SeveritySignalId } from '../../lib/domain/severity-classifier';
import { componentStatuses, severities, severityLabels, type ComponentStatus, type Severity } from '../../lib/domain/statuses';
import { suggestionInWords } from './severity-suggestion';

const isSignal = (value: string): value is SeveritySignalId => (severitySignalIds as readonly string[]).includes(value);
const isStatus = (value: string): value is ComponentStatus => (componentStatuses as readonly string[]).includes(value);
const isSeverity = (value: string): value is Severity => (severities as readonly string[]).includes(value);

export function enhanceSeverityForm(form: HTMLFormElement): void {
  const shown = form.querySelector<HTMLElement>('[data-severity-suggestion]');
  const label = shown?.querySelector<HTMLElement>('[data-suggestion-label]');
  const why = shown?.querySelector<HTMLElement>('[data-suggestion-why]');
  const controls = form.querySelector<HTMLElement>('[data-suggest-controls]');
  const override = form.querySelector<HTMLElement>('[data-severity-override]');
  const overrideHint = form.querySelector<HTMLElement>('[data-severity-override-hint]');
  if (!shown || !label || !why || !override) return;

  const radios = () => [...form.querySelectorAll<HTMLInputElement>('input[type="radio"][name="severity"]')];
  const chosen = (): Severity | null => {
    const value = radios().find((radio) => radio.checked)?.value ?? '';
    return isSeverity(value) ? value : null;
  };
  /** Until staff pick a severity themselves, the choice follows the suggestion (as "Suggest severity" does). */
  let followSuggestion = chosen() === null;

  // An arrow function, not a hoisted declaration, so the checks above still narrow inside it.
  const update = (inputsChanged: boolean): void => {
    const signals = [...form.querySelectorAll<HTMLInputElement>('input[type="checkbox"][name="signals"]')]
      .filter((box) => box.checked)
      .map((box) => box.value)
      .filter(isSignal);
    const statuses = [...form.querySelectorAll<HTMLSelectElement>('select[name^="components."][name$=".status"]')]
      .map((select) => select.value)
      .filter(isStatus);
    const suggestion = classifySeverity(signals, statuses);
    const words = suggestionInWords(suggestion);
    if (label.textContent !== words.label) label.textContent = words.label;
    if (why.textContent !== words.why) why.textContent = words.why;
    shown.dataset.severity = suggestion.severity;

    if (inputsChanged && followSuggestion) {
      const radio = radios().find((item) => item.value === suggestion.severity);
      if (radio) radio.checked = true;
    }
    const severity = chosen();
    const differs = severity !== null && severity !== suggestion.severity;
    override.hidden = !differs;
    if (differs && overrideHint) {
      overrideHint.textContent = `Needed: you chose ${severityLabels[severity]}, the suggestion is ${words.label}.`;
    }
  };

  form.addEventListener('change', (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.name === 'severity') {
      followSuggestion = false;
      update(false);
    } else if (
      (target instanceof HTMLInputElement && target.name === 'signals') ||
      (target instanceof HTMLSelectElement && /^components\.\d+\.status$/.test(target.name))
    ) {
      update(true);
    }
  });
  // The suggestion is live now: the button that asks the server for it is not needed.
  if (controls) controls.hidden = true;
  update(false);
}
