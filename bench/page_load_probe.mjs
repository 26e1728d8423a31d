// The moment the page-load scripts time (bench/page_load_ratio.mjs, bench/page_load_trace.mjs,
// bench/page_load.mjs, wasm/bench_load.mjs), taken one way: the frame after #app first says
// "done", once it is drawn.
//
//   import { probe, shown } from './page_load_probe.mjs';
//   await page.addInitScript(probe);        // before the page's own scripts
//   const drawnFrame = shown(page);         // before the navigation: it listens for the page's word
//   await page.goto(url);
//   const { frame, drawn } = await drawnFrame;
//
// Both in ms after navigation start, on the page's clock:
//   frame  when that frame begins (its requestAnimationFrame callback): the page's script is done,
//          but the browser has yet to lay the result out and paint it
//   drawn  when that frame's style, layout and paint are over (a message posted from the callback
//          runs only after them): the trace is on screen
// Both are also user-timing marks (sj-frame, sj-drawn), for a Chromium performance trace.
// The page says it on its console, and nothing is evaluated in it until then: Playwright's
// waitForFunction would compile and run its own script in the page while it loads, 20-40 ms of
// the main thread on a 2-core machine, which landed in the middle of the minimal page's load
// (whose load event comes before its fetch answers) and made it about a third slower.
// shown() rejects when the page says "error" instead, with the text of its alert box.

/** Runs in the page (serialised by Playwright: it may use nothing from this module). */
export const probe = () => {
  let heard = false; // only the first "done" or "error" is reported
  const say = (what) => console.debug(`sysjourney-probe ${JSON.stringify(what)}`);
  const seen = () => {
    const state = document.getElementById('app')?.dataset.state;
    if (heard || (state !== 'done' && state !== 'error')) return;
    heard = true;
    if (state === 'error') {
      say('error');
      return;
    }
    requestAnimationFrame(() => {
      const frame = performance.now();
      performance.mark('sj-frame');
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        performance.mark('sj-drawn');
        say({ frame, drawn: performance.now() });
      };
      channel.port2.postMessage(null);
    });
  };
  new MutationObserver(seen).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
};

const WORD = 'sysjourney-probe ';

/** The drawn frame of a page that runs `probe`, { frame, drawn } in ms; call it before page.goto. */
export function shown(page, { timeout = 30000 } = {}) {
  const answer = heard(page, timeout);
  answer.catch(() => {}); // a navigation that fails first reports its own error, awaited or not
  return answer;
}

async function heard(page, timeout) {
  const message = await page.waitForEvent('console', { predicate: (m) => m.text().startsWith(WORD), timeout });
  const t = JSON.parse(message.text().slice(WORD.length));
  if (t === 'error') {
    const text = await page.textContent('#error').catch(() => '');
    throw new Error(`the page showed an error: ${text || 'see its alert box'}`);
  }
  return t;
}
