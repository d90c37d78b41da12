/** `unused-vip`: a vip no site or service binds on (the first vip also carries the stats page). */
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'unused-vip',
  severity: 'hint',
  run({ resolved, report }) {
    const { model } = resolved;
    const used = new Set([...model.sites, ...model.services].map((s) => s.vip));
    if (model.stats && model.vips[0]) used.add(model.vips[0].address);
    for (const v of model.vips) if (!used.has(v.address)) report(v.nameSpan, `No site or service binds on vip ${v.address}.`);
  },
});
