// Comparing two journeys on screen: the ratio of totals and a stage-by-stage alignment that keeps
// each path's own stages in place (the engine's compare, engine.compare, lists them after). Pure.

/** b's total time over a's: 272 means b took 272 times as long. */
export function totalRatio(a, b) {
  const an = a?.totals?.ns;
  const bn = b?.totals?.ns;
  return an > 0 && Number.isFinite(bn) ? bn / an : NaN;
}

/**
 * Aligns the stages of two journeys by id, keeping both orders (longest common subsequence), so
 * stages only one path has appear once, in place. Each row: { id, title, lane, a, b } where a or b
 * is the stage object or null.
 */
export function alignStages(a, b) {
  const sa = a?.stages ?? [];
  const sb = b?.stages ?? [];
  const n = sa.length;
  const m = sb.length;
  // lcs[i][j]: length of the LCS of sa[i..] and sb[j..]
  const lcs = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = sa[i].id === sb[j].id ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const rows = [];
  const row = (x, y) => {
    const s = x ?? y;
    rows.push({ id: s.id, title: s.title ?? s.id, lane: s.lane, a: x, b: y });
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (sa[i].id === sb[j].id) row(sa[i++], sb[j++]);
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) row(sa[i++], null);
    else row(null, sb[j++]);
  }
  while (i < n) row(sa[i++], null);
  while (j < m) row(null, sb[j++]);
  return rows;
}

/** How many times `journey` costs compared with `baseline` (by total ns). */
export function timesBaseline(journey, baseline) {
  return totalRatio(baseline, journey);
}
