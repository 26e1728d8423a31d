// Names of the downloads of a journey. The files themselves are the engine's own (JSON as it
// answered, and its CSV and Chrome trace events: engine.runAs). Pure: no DOM.

/** A file name stem for exports: "sysjourney-cache=hit" or "sysjourney-default". */
export function exportName(query) {
  const q = (query || 'default').replace(/&/g, '_').replace(/[^A-Za-z0-9_=.-]/g, '');
  return `sysjourney-${q}`.slice(0, 120);
}
