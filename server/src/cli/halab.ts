/**
 * The `halab` executable: dist/cli.js is bundled from this file, and bin/halab.js (the package's
 * bin, `npx halab`, a global install) loads it. It always runs `main` — the library side
 * (main.ts) never decides whether it is "the main module", which is false when a bin wrapper
 * requires the bundle and made the bin a silent no-op.
 */
import { exitWhenFlushed, quietOnClosedStdout } from './conventions.js';
import { main } from './main.js';

quietOnClosedStdout();
main(process.argv.slice(2)).then(exitWhenFlushed);
