// The least a page can do to show a result from a server: one module, one fetch of a small JSON,
// one table. bench/page_load_ratio.mjs times the real page against this one in the same run.
const rows = await (await fetch(new URL('floor.json', import.meta.url))).json();
const table = document.getElementById('table');
for (const r of rows) {
  const tr = table.insertRow();
  for (const v of [r.stage, r.lane, r.ns]) tr.insertCell().textContent = String(v);
}
document.getElementById('app').dataset.state = 'done';
