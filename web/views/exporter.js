// Permalink and exports (JSON as the engine answered, CSV, Chrome trace-event JSON).
import { exportName, toCSV, toTraceEvents } from '../lib/export.js';
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
 * createExporter({ link, copy, json, csv, trace, status })
 *   .update(permalinkUrl, query, journey, { stale })  journey may be null (buttons disabled);
 *   stale: the options changed since that run, so the downloads are of the previous run
 */
export function createExporter(els) {
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
  els.csv.addEventListener('click', () => journey && download(`${exportName(query)}.csv`, 'text/csv', toCSV(journey)));
  els.trace.addEventListener('click', () => journey && download(`${exportName(query)}.trace.json`, 'application/json', JSON.stringify(toTraceEvents(journey))));

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
