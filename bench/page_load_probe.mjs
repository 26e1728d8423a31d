// The moment the page-load scripts time (bench/page_load_ratio.mjs, bench/page_load_trace.mjs,
// bench/page_load.mjs, wasm/bench_load.mjs), taken one way: the frame after #app first says
// "done", once it is drawn.
//
//   import { probe, shown } from './page_load_probe.mjs';
//   await page.addInitScript(probe);        // before the page's own scripts
//   await page.goto(url);
//   const { frame, drawn } = await shown(page);
//
// Both in ms after navigation start, on the page's clock:
//   frame  when that frame begins (its requestAnimationFrame callback): the page's script is done,
//          but the browser has yet to lay the result out and paint it
//   drawn  when that frame's style, layout and paint are over (a message posted from the callback
//          runs only after them): the trace is on screen
// Both are also user-timing marks (sj-frame, sj-drawn), for a Chromium performance trace.
// shown() throws when the page says "error" instead, with the text of its alert box.

/** Runs in the page (serialised by Playwright: it may use nothing from this module). */
export const probe = () => {
  window.__shown = null;
  const seen = () => {
    if (window.__shown !== null) return;
    const state = document.getElementById('app')?.dataset.state;
    if (state === 'error') window.__shown = 'error';
    if (state !== 'done') return;
    window.__shown = 'waiting';
    requestAnimationFrame(() => {
      const frame = performance.now();
      performance.mark('sj-frame');
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        performance.mark('sj-drawn');
        window.__shown = { frame, drawn: performance.now() };
      };
      channel.port2.postMessage(null);
    });
  };
  new MutationObserver(seen).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
};

/** Waits for the drawn frame of a page that runs `probe`; { frame, drawn } in ms. */
export async function shown(page, { timeout = 30000 } = {}) {
  await page.waitForFunction(() => window.__shown === 'error' || (typeof window.__shown === 'object' && window.__shown !== null),
    null, { timeout });
  const t = await page.evaluate(() => window.__shown);
  if (t === 'error') {
    const text = await page.textContent('#error').catch(() => '');
    throw new Error(`the page showed an error: ${text || 'see its alert box'}`);
  }
  return t;
}
