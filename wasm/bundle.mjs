// Bundles the page's ES modules into one classic script, for the build that opens from file://
// (Chromium refuses module scripts from file: URLs). No dependencies and no general JS parser:
// it understands the import/export forms web/ uses and fails loudly on anything else.
//
//   node wasm/bundle.mjs WEB_DIR ENTRY.js [PRELUDE.js] > bundle.js
//
// Each module becomes a function scope run once in dependency order; `import { a, b as c }`
// reads the dependency's exports once it has run (`import * as ns` keeps live getters),
// `import('./x.js')` becomes Promise.resolve(exports of x), and `import.meta.url` the URL of the
// bundle's own <script>. PRELUDE (Emscripten's single-file loader) is put first, as it is.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [webDir, entry, prelude] = process.argv.slice(2);
if (!webDir || !entry) {
  console.error('usage: node wasm/bundle.mjs WEB_DIR ENTRY.js [PRELUDE.js]');
  process.exit(2);
}
const root = path.resolve(webDir);

const modules = new Map(); // absolute path -> { id, code, deps: [abs] }
const order = [];

function fail(file, msg) {
  console.error(`bundle: ${path.relative(root, file)}: ${msg}`);
  process.exit(1);
}

function resolve(from, spec) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) fail(from, `only relative imports are bundled: '${spec}'`);
  const abs = path.resolve(path.dirname(from), spec);
  if (!abs.startsWith(root + path.sep)) fail(from, `import outside ${root}: '${spec}'`);
  return abs;
}

const IMPORT_FROM = /^import\s+(\{[^}]*\}|\*\s+as\s+[A-Za-z_$][\w$]*)\s+from\s+(['"])([^'"]+)\2\s*;?[ \t]*$/gm;
const IMPORT_BARE = /^import\s+(['"])([^'"]+)\1\s*;?[ \t]*$/gm;
const DYNAMIC = /\bimport\(\s*(['"])([^'"]+)\1\s*\)/g;
const EXPORT_DECL = /^export\s+(async\s+function\*?|function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)/gm;
const EXPORT_LIST = /^export\s+\{([^}]*)\}\s*;?[ \t]*$/gm;

function load(file, stack = []) {
  if (modules.has(file)) {
    if (stack.includes(file)) fail(file, `import cycle: ${[...stack, file].map((f) => path.relative(root, f)).join(' -> ')}`);
    return;
  }
  let src;
  try {
    src = readFileSync(file, 'utf8');
  } catch (e) {
    fail(file, e.message);
  }
  const mod = { id: `__m${modules.size}`, file, deps: [], lazy: [] };
  modules.set(file, mod);
  const exportsList = [];
  let code = src.replace(IMPORT_FROM, (_, what, _q, spec) => {
    const dep = resolve(file, spec);
    mod.deps.push(dep);
    const ref = `__bundle_ref(${JSON.stringify(dep)})`;
    if (what.startsWith('*')) return `const ${what.replace(/^\*\s+as\s+/, '')} = ${ref};`;
    const names = what.slice(1, -1).split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
      const m = s.match(/^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/);
      if (!m) fail(file, `cannot read import '${s}'`);
      return m[2] ? `${m[1]}: ${m[2]}` : m[1];
    });
    // Destructured once the module runs: its dependencies have run before it.
    return `const { ${names.join(', ')} } = ${ref};`;
  });
  code = code.replace(IMPORT_BARE, (_, _q, spec) => {
    mod.deps.push(resolve(file, spec));
    return '';
  });
  code = code.replace(DYNAMIC, (m, _q, spec) => {
    if (/^node:/.test(spec)) return m; // node-only branches (engine_wasm.js), never run in a page
    const dep = resolve(file, spec);
    mod.lazy.push(dep);
    return `Promise.resolve().then(() => __bundle_ref(${JSON.stringify(dep)}))`;
  });
  code = code.replace(EXPORT_DECL, (m, kind, name) => {
    exportsList.push(name);
    return m.replace(/^export\s+/, '');
  });
  code = code.replace(EXPORT_LIST, (_, list) => {
    for (const s of list.split(',').map((x) => x.trim()).filter(Boolean)) {
      const m = s.match(/^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/);
      if (!m) fail(file, `cannot read export '${s}'`);
      exportsList.push(m[2] ? `${m[2]}:${m[1]}` : m[1]);
    }
    return '';
  });
  code = code.replaceAll('import.meta.url', '__bundle_base');
  const left = code.match(/^\s*(import(?!\s*\()|export)\b.*$/m);
  if (left) fail(file, `unsupported module syntax: ${left[0].trim()}`);
  if (/\bimport\.meta\b/.test(code)) fail(file, 'unsupported: import.meta other than import.meta.url');
  mod.exports = exportsList;
  mod.code = code;
  for (const dep of mod.deps) load(dep, [...stack, file]);
  order.push(mod);
  for (const dep of mod.lazy) load(dep, []);
}

load(path.resolve(root, entry));

const out = [];
if (prelude) out.push(readFileSync(prelude, 'utf8'), '');
out.push('// The page, bundled from web/ by wasm/bundle.mjs. Do not edit.');
out.push('(function () {');
out.push("'use strict';");
out.push('const __bundle_base = (document.currentScript && document.currentScript.src) || document.baseURI;');
out.push('const __bundle_modules = new Map();');
out.push('function __bundle_ref(file) { return __bundle_modules.get(file); }');
const entryFile = path.resolve(root, entry);
// Lazily imported modules go last; the entry runs last of all.
const ordered = [...order.filter((m) => m.file !== entryFile), modules.get(entryFile)];
for (const mod of ordered) {
  const rel = path.relative(root, mod.file);
  const getters = mod.exports.map((e) => {
    const [outer, inner] = e.includes(':') ? e.split(':') : [e, e];
    return `get ${outer}() { return ${inner}; }`;
  });
  out.push(`// ---- ${rel}`);
  // Registered before its body runs, so `import()` of it from inside works as soon as it is called.
  out.push(`__bundle_modules.set(${JSON.stringify(mod.file)}, (function () {`);
  out.push(mod.code.trimEnd());
  out.push(`return Object.freeze({ ${getters.join(', ')} });`);
  out.push('})());');
}
out.push('})();');
// Absolute build paths are only keys; make them relative so the bundle is reproducible.
let text = out.join('\n') + '\n';
for (const mod of modules.values()) text = text.replaceAll(JSON.stringify(mod.file), JSON.stringify(path.relative(root, mod.file)));
process.stdout.write(text);
