/**
 * `duplicate-root`: two sites with the same document root on one managed upstream. Each site's
 * test page is written to `<root>/index.html` on every managed upstream serving it, so the second
 * page silently overwrote the first (and both vhosts served the same page). Roots are compared
 * the way the renderer writes them (`/srv//x/` is `/srv/x`).
 */
import { normalPath } from '../schema/value-types.js';
import { argSpan, prop } from './util.js';
import { defineCheck } from './types.js';

export default defineCheck({
  code: 'duplicate-root',
  severity: 'error',
  note: 'two sites, one document root on an upstream',
  run({ resolved, report }) {
    const managed = new Set(resolved.model.upstreams.filter((u) => u.managed).map((u) => u.name));
    // root + managed upstream → the first site that writes a page there (one flat map: this runs
    // on every keystroke, and a map per root was most of its time at 1,000 sites)
    const owners = new Map<string, string>();
    resolved.model.sites.forEach((site, i) => {
      const root = normalPath(site.root);
      let clash: { upstream: string; site: string } | undefined;
      for (const u of site.servers) {
        if (!managed.has(u)) continue;
        const key = `${root}\0${u}`;
        const first = owners.get(key);
        if (first === undefined) owners.set(key, site.name);
        else if (first !== site.name) clash ??= { upstream: u, site: first };
      }
      if (!clash) return;
      const node = resolved.sites[i]!;
      const stmt = prop(node, 'root');
      report(
        stmt ? argSpan(stmt) : argSpan(node.stmt),
        `Site \`${site.name}\` has the same root \`${root}\` as site \`${clash.site}\` on upstream \`${clash.upstream}\`: ` +
          `one test page (${root}/index.html) would overwrite the other. Give each site its own \`root\`.`,
      );
    });
  },
});
