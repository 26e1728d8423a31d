// Page load to first trace in headless Chromium: from navigation start until the frame that shows
// the trace of the first run is drawn (bench/page_load_probe.mjs). Prints the median of 5 loads in ms.
import { chromium } from '../tests/web/node_modules/playwright-core/index.mjs';

import { probe, shown } from './page_load_probe.mjs';

// A permalink runs at once; a bare visit waits for the Run button.
const url = new URL('?fd=file&cache=miss', process.argv[2]).href;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const times = [];
for (let i = 0; i < 6; i++) {
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.addInitScript(probe);
  const drawnFrame = shown(page);
  await page.goto(url);
  const { drawn } = await drawnFrame;
  if (i > 0) times.push(drawn); // the first load warms the browser's own caches
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(Math.round(times[Math.floor(times.length / 2)]));
