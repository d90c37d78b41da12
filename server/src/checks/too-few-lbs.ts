/** `too-few-lbs`: redundancy needs two or more lbs; one lb is a single point of failure. */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'too-few-lbs',
  severity: 'error',
  run({ resolved, report }) {
    if (resolved.lbs.length === 1) {
      const s = resolved.lbs[0]!.stmt;
      report({ start: s.keyword.start, end: s.args[0]?.end ?? s.keyword.end },
        'Only one lb: a redundant pair needs at least two (one primary, one or more backups). Add a backup lb.');
    }
  },
});
