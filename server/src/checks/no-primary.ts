/** `no-primary`: lbs exist but none has `role primary`; keepalived needs one MASTER. */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'no-primary',
  severity: 'error',
  run({ resolved, report }) {
    const { model } = resolved;
    // An lb without `role` is already `missing-required`; only judge when every lb states one.
    if (model.lbs.length === 0 || resolved.lbs.some((n) => !n.props.has('role'))) return;
    if (!model.lbs.some((l) => l.role === 'primary')) {
      const s = resolved.lbs[0]!.stmt;
      const at = { start: s.keyword.start, end: s.args[0]?.end ?? s.keyword.end };
      report(at, 'No lb has `role primary`: make exactly one lb the primary.');
    }
  },
});
