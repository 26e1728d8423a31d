// Permalink and exports: the journey's JSON as the engine answered, and the engine's own CSV and
// Chrome trace-event JSON of the same run (fetched when asked for: `hooks.fetch`).
import { exportName } from '../lib/export.js';
import { h } from './dom.js';

/** Offers `text` as a file download named `name`. */
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, class: 'sr-only' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * createExporter({ link, copy, json, csv, trace, status }, { fetch(format) -> { contentType, body } })
 *   .update(permalinkUrl, query, journey, { stale })  journey may be null (buttons disabled);
 *   stale: the options changed since that run, so the downloads are of the previous run.
 * `fetch` gets the engine's 'csv' or 'trace-event' of the journey shown.
 */
export function createExporter(els, hooks) {
  let journey = null;
  let query = '';

  const say = (msg) => {
    els.status.textContent = msg;
  };
  els.copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(els.link.value);
      say('Link copied.');
    } catch {
      els.link.select();
      say('Press Ctrl+C (⌘C) to copy the selected link.');
    }
  });
  els.json.addEventListener('click', () => journey && download(`${exportName(query)}.json`, 'application/json', `${JSON.stringify(journey, null, 2)}\n`));
  // The name is the run's, taken at the click: a run that lands meanwhile does not rename it.
  const offer = async (format, suffix, type) => {
    if (!journey) return;
    const name = `${exportName(query)}${suffix}`;
    try {
      const file = await hooks.fetch(format);
      download(name, file.contentType || type, file.body);
    } catch (e) {
      say(`The engine did not write the file: ${e.message}`);
    }
  };
  els.csv.addEventListener('click', () => offer('csv', '.csv', 'text/csv'));
  els.trace.addEventListener('click', () => offer('trace-event', '.trace.json', 'application/json'));

  return {
    update(url, q, j, { stale = false } = {}) {
      els.link.value = url;
      query = q;
      journey = j;
      for (const b of [els.json, els.csv, els.trace]) {
        b.disabled = !j;
        b.classList.toggle('is-stale', Boolean(j && stale));
      }
      say(j && stale ? `The downloads are of the previous run (${q ? `?${q}` : 'the defaults'}); the link is for the options as they are now. Run to download those.` : '');
    },
  };
}
