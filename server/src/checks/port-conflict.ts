/**
 * `port-conflict`: two different listeners on one vip:port. Plain HTTP sites on the same vip:port
 * share one frontend (that is Host routing) and do not conflict; a TLS listener, a plain one,
 * a TCP service and the stats page on the same vip:port do.
 */
import { defineCheck } from './types.js';
import type { Span } from '../syntax/ast.js';
import { prop, argSpan } from './util.js';

export default defineCheck({
  code: 'port-conflict',
  severity: 'error',
  run({ resolved, report }) {
    const { model } = resolved;
    const listeners = new Map<string, { kind: string; what: string }>();
    const add = (vip: string, port: number, kind: string, what: string, span: Span) => {
      const key = `${vip}:${port}`;
      const prev = listeners.get(key);
      if (prev && prev.kind !== kind) report(span, `${what} listens on ${key}, where ${prev.what} already listens. Use another port.`);
      else if (!prev) listeners.set(key, { kind, what });
    };
    model.sites.forEach((s, i) => {
      const node = resolved.sites[i]!;
      const l = prop(node, 'listen');
      const span = l ? argSpan(l) : node.stmt.keyword;
      add(s.vip, s.listen, 'http', `site \`${s.name}\``, span);
      if (s.tls) add(s.vip, 443, 'https', `site \`${s.name}\` (TLS)`, argSpan(prop(node, 'tls')!));
    });
    model.services.forEach((s, i) => {
      const node = resolved.services[i]!;
      const l = prop(node, 'listen');
      // a TCP listener shares its port with nothing: every service is a kind of its own
      add(s.vip, s.listen, `tcp ${s.name}`, `service \`${s.name}\``, l ? argSpan(l) : node.stmt.keyword);
    });
    if (model.stats && resolved.stats && model.vips[0]) {
      const l = prop(resolved.stats, 'listen');
      add(model.vips[0].address, model.stats.listen, 'stats', 'the stats page', l ? argSpan(l) : resolved.stats.stmt.keyword);
    }
  },
});
