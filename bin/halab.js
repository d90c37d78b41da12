#!/usr/bin/env node
'use strict';
// The package's bin: the bundled CLI runs `main` when loaded (server/src/cli/halab.ts).
try {
  require.resolve('../dist/cli.js');
} catch {
  process.stderr.write('halab: dist/cli.js is missing; run `npm run build` in the halab checkout first\n');
  process.exit(2);
}
require('../dist/cli.js');
