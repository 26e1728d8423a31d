// Tiny helpers for building DOM and SVG without innerHTML (and without inline style attributes,
// which the Content-Security-Policy forbids).

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, props) {
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'style') Object.assign(el.style, v); // CSSOM, allowed by the CSP
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** h('p', { class: 'note' }, 'text', h('code', {}, 'x')) */
export function h(tag, props, ...children) {
  return append(apply(document.createElement(tag), props), children);
}

/** The same for SVG elements. */
export function s(tag, props, ...children) {
  return append(apply(document.createElementNS(SVG_NS, tag), props), children);
}

/** Replaces all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** document.getElementById that fails loudly when the page and the code disagree. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el;
}

/** True when the person asked the system for less motion. */
export function prefersReducedMotion() {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
}

/**
 * The width of `el` (its clientWidth, in whole px) for drawing, without making the browser lay
 * the page out each time it is asked: read once, then kept by a ResizeObserver, which calls
 * onResize(width) when it moves by more than 2 px. A width read between DOM writes forces a
 * synchronous layout of everything written so far, and the page is drawn several times while it
 * starts. watch.width() -> the width; watch.read() measures now (when the layout is fresh).
 */
export function watchWidth(el, onResize = () => {}) {
  let known = null;
  const measure = () => {
    known = Math.round(el.clientWidth || 0);
    return known;
  };
  new ResizeObserver((entries) => {
    const w = Math.round(entries.at(-1).contentRect.width);
    if (known !== null && Math.abs(w - known) <= 2) return;
    known = w;
    onResize(w);
  }).observe(el);
  return { width: () => known ?? measure(), read: measure };
}
