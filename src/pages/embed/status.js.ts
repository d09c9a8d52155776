import type { APIRoute } from 'astro';

/**
 * The embeddable status widget. A customer puts
 *
 *   <script async src="https://status.example.com/embed/status.js"></script>
 *
 * on their own site; the script shows a link to the status page with a coloured dot and the
 * current status in words, right after the script tag (or inside the element named by
 * `data-target`), and refreshes it every minute.
 *
 * It runs on the customer's page, under their CSP and their CSS, so it: depends on nothing but the
 * browser (no framework, no other file); reads Herald's origin from its own `src`; fetches the
 * public `/api/v2/status.json` with `credentials: 'omit'` (no cookies either way) and no referrer;
 * draws into a shadow root with styles set through the CSSOM (never a style attribute or a
 * <style> element, which a strict `style-src` would block), so the host's CSS cannot reach it;
 * writes data with `textContent` only; and never throws or logs: on any failure it keeps what it
 * showed, or shows nothing.
 *
 * Kept as text (not a bundled module) so that what is served is exactly what is reviewed here.
 */
const WIDGET = `/*! Herald status widget: <script async src="https://status.example.com/embed/status.js"></script>
 * Options (attributes of the script tag): data-target="element id" to render into that element,
 * data-theme="dark" for light text on a dark page. */
(function () {
  'use strict';
  try {
    var script = document.currentScript;
    if (!script || !script.src || typeof fetch !== 'function') return;
    var origin = new URL(script.src, document.baseURI).origin;
    var statusUrl = origin + '/api/v2/status.json';
    var REFRESH_MS = 60000;
    var COLOURS = { none: '#15803d', minor: '#a16207', major: '#c2410c', critical: '#b91c1c', maintenance: '#1d4ed8' };
    var dark = script.getAttribute('data-theme') === 'dark';
    var targetName = script.getAttribute('data-target');

    var host = document.createElement('span');
    host.setAttribute('data-herald-status', '');
    var hostStyle = host.style;
    hostStyle.setProperty('all', 'initial', 'important');
    hostStyle.setProperty('display', 'inline-block', 'important');
    hostStyle.setProperty('vertical-align', 'middle', 'important');
    var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;

    var link = document.createElement('a');
    link.rel = 'noopener';
    link.target = '_blank';
    link.href = origin + '/';
    var css = {
      'display': 'inline-flex', 'align-items': 'center', 'gap': '0.5em', 'padding': '0.25em 0',
      'font-family': 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
      'font-size': '14px', 'font-weight': '500', 'line-height': '1.4', 'text-decoration': 'none',
      'color': dark ? '#f1f5f9' : '#1e293b', 'white-space': 'nowrap', 'cursor': 'pointer'
    };
    for (var name in css) link.style.setProperty(name, css[name]);
    var dot = document.createElement('span');
    dot.setAttribute('aria-hidden', 'true');
    var dotCss = {
      'display': 'inline-block', 'width': '0.65em', 'height': '0.65em', 'border-radius': '50%',
      'flex': 'none', 'background-color': COLOURS.none,
      'box-shadow': '0 0 0 2px ' + (dark ? 'rgba(255,255,255,0.15)' : 'rgba(0,0,0,0.08)')
    };
    for (var dotName in dotCss) dot.style.setProperty(dotName, dotCss[dotName]);
    var text = document.createElement('span');
    link.appendChild(dot);
    link.appendChild(text);
    root.appendChild(link);

    var placed = false;
    var place = function () {
      if (placed) return;
      var target = null;
      if (targetName) {
        target = document.getElementById(targetName.replace(/^#/, ''));
        if (!target) {
          try { target = document.querySelector(targetName); } catch (error) { target = null; }
        }
      }
      if (target) target.appendChild(host);
      else if (script.parentNode && script.parentNode !== document.head) script.parentNode.insertBefore(host, script.nextSibling);
      else return;
      placed = true;
    };

    var render = function (data) {
      var status = data && data.status;
      var page = data && data.page;
      if (!status || typeof status.description !== 'string' || !COLOURS.hasOwnProperty(status.indicator)) return;
      text.textContent = status.description.slice(0, 120);
      dot.style.setProperty('background-color', COLOURS[status.indicator]);
      link.setAttribute('data-indicator', status.indicator);
      if (page && typeof page.url === 'string' && /^https?:\\/\\//i.test(page.url)) link.href = page.url;
      var name = page && typeof page.name === 'string' ? page.name.slice(0, 100) + ' status: ' : '';
      link.title = name + status.description.slice(0, 120);
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', place);
      else place();
    };

    var timer = 0;
    var busy = false;
    var load = function () {
      clearTimeout(timer);
      if (busy || document.hidden) return;
      busy = true;
      var controller = typeof AbortController === 'function' ? new AbortController() : null;
      var abort = controller ? setTimeout(function () { controller.abort(); }, 10000) : 0;
      fetch(statusUrl, { credentials: 'omit', mode: 'cors', referrerPolicy: 'no-referrer', signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          try { render(data); } catch (error) { /* keep what is shown */ }
        }, function () { /* offline, blocked or not a Herald page: keep what is shown */ })
        .then(function () {
          clearTimeout(abort);
          busy = false;
          timer = setTimeout(load, REFRESH_MS);
        });
    };
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden) load();
    });
    load();
  } catch (error) {
    /* A widget never breaks the page it is on. */
  }
})();
`;

const headers = {
  'Content-Type': 'application/javascript; charset=utf-8',
  // An hour in browsers and caches: a new Herald version reaches embedding sites within the hour.
  'Cache-Control': 'public, max-age=3600, stale-while-revalidate=86400, stale-if-error=604800',
  'Access-Control-Allow-Origin': '*',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

// The ETag, 304 and compression come from the public edge (lib/server/edge), as for every public answer.
export const GET: APIRoute = () => new Response(WIDGET, { headers });
