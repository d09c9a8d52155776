/**
 * Progressive enhancement of the maintenance forms' time zone select: on a fresh form, the
 * browser's own zone is chosen instead of the page's, when the list has it. Without JavaScript
 * the page's zone stays chosen.
 */
export function preselectBrowserTimeZone(select: HTMLSelectElement): void {
  let zone: string | undefined;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return;
  }
  if (!zone || select.value === zone) return;
  if ([...select.options].some((option) => option.value === zone)) select.value = zone;
}
