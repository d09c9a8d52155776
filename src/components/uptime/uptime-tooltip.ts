/**
 * Progressive enhancement of the uptime bars (UptimeBar.astro): the day under the mouse, or
 * the one a finger taps or slides over, shown in a tooltip above the bar. Without JavaScript,
 * and for keyboards and screen readers, the bar's label and its list of eventful days tell the
 * same, so the tooltip is hidden from assistive technology.
 */
import { codedDay } from '../../lib/domain/uptime-bars';

const MARGIN = 8;

export function enhanceUptimeBars(): void {
  const tip = document.createElement('div');
  tip.className = 'uptime-tip';
  tip.setAttribute('aria-hidden', 'true');
  tip.hidden = true;
  document.body.append(tip);
  const hide = () => {
    tip.hidden = true;
  };

  function show(bar: SVGSVGElement, clientX: number): void {
    const codes = bar.dataset.days ?? '';
    const box = bar.getBoundingClientRect();
    if (codes.length === 0 || box.width === 0) return;
    const index = Math.min(codes.length - 1, Math.max(0, Math.floor(((clientX - box.left) / box.width) * codes.length)));
    const day = codedDay(bar.dataset.first ?? '', codes, index);
    if (!day) return;
    const listed = bar.closest('figure')?.querySelector(`li[data-day="${day.date}"]`)?.textContent;
    tip.textContent = day.text ?? listed ?? day.date;
    tip.hidden = false;
    // Above the day's bar, kept inside the viewport.
    const centre = box.left + ((index + 0.5) * box.width) / codes.length;
    const half = tip.offsetWidth / 2;
    const left = Math.min(Math.max(centre, half + MARGIN), document.documentElement.clientWidth - half - MARGIN);
    tip.style.left = `${left}px`;
    tip.style.top = `${box.top}px`;
  }

  function barOf(event: PointerEvent): SVGSVGElement | null {
    return event.target instanceof Element ? event.target.closest<SVGSVGElement>('svg[data-days]') : null;
  }

  document.addEventListener('pointermove', (event) => {
    const bar = barOf(event);
    if (bar) show(bar, event.clientX);
    else if (event.pointerType === 'mouse') hide();
  });
  document.addEventListener('pointerdown', (event) => {
    const bar = barOf(event);
    if (bar) show(bar, event.clientX);
    else hide();
  });
  // A finger leaves the page when lifted: only the mouse leaving it hides the tip.
  document.documentElement.addEventListener('pointerleave', (event) => {
    if (event.pointerType === 'mouse') hide();
  });
  window.addEventListener('scroll', hide, { passive: true });
  window.addEventListener('resize', hide);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hide();
  });
}
