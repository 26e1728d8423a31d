// The command line of the page-load scripts (bench/page_load_ratio.mjs, bench/page_load_trace.mjs,
// wasm/bench_load.mjs), read one way:
//
//   import { ROOT, cli } from './page_load_args.mjs';
//   const { flag, has, positional } = cli();
//   flag('runs', '11')   the word after --runs, or the default
//   has('json')          whether --json is there
//   positional           the first word that is neither a flag nor the word after one
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's top folder. */
export const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

export function cli(args = process.argv.slice(2)) {
  return {
    flag(name, dflt) {
      const i = args.indexOf(`--${name}`);
      return i >= 0 ? args[i + 1] : dflt;
    },
    has: (name) => args.includes(`--${name}`),
    positional: args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--'))),
  };
}
