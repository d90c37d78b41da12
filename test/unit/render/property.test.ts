/**
 * Property: every valid topology renders to files the real validators accept.
 * fast-check generates .halab TEXT (so the parser and checks run too: analyze() must find no
 * errors), with 1–4 vips, 2–4 lbs, 1–20 upstreams, 1–20 sites, TLS, unicast, VRRPv3, script
 * and process tracking, backup servers, all three firewalls and hostile-looking free text
 * (pages, realms, passwords from the environment). Each render goes through haproxy -c,
 * keepalived -t (in a throwaway netns), nginx -t, nft -c and sh -n.
 * HALAB_PROPERTY_RUNS overrides the number of topologies (default 200); HALAB_PROPERTY_SEED and
 * HALAB_PROPERTY_PATH replay a failure (both are printed with it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { lbInterface } from '../../../shared/model/types.js';
import { Validators, canValidate, selfSignedPem, SKIP_REASON } from '../../helpers/validators.js';
import { htmlUnescape, toHalab, topoArb } from '../../helpers/topology-arb.js';

const RUNS = Number(process.env.HALAB_PROPERTY_RUNS ?? 200);

describe('property: valid topologies render to configs the real validators accept', { skip: !canValidate() && SKIP_REASON }, () => {
  const validators = new Validators();
  let certDir = '';
  let pem = '';
  before(() => {
    certDir = mkdtempSync(join(tmpdir(), 'halabcert'));
    pem = selfSignedPem(certDir);
  });
  after(() => {
    validators.cleanup();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it(`${RUNS} generated topologies`, { timeout: 10 * 60_000 }, async () => {
    let files = 0;
    const seen = { tls: 0, unicast: 0, v3: 0, script: 0, process: 0, backup: 0, nft: 0, firewalld: 0 };
    const result = await fc.check(
      fc.asyncProperty(topoArb, async (spec) => {
        const text = toHalab(spec, pem);
        const a = analyze(text, 'prop.halab');
        const errors = a.diagnostics.filter((d) => d.severity === 'error');
        assert.equal(hasErrors(a.diagnostics), false, `analyze() errors:\n${errors
          .map((d) => `${d.code}: ${d.message} @${JSON.stringify(text.slice(d.span.start, d.span.end))}`)
          .join('\n')}\n---\n${text}`);
        const m = a.model;
        const out = render(m, {
          source: 'prop.halab',
          secrets: envSecrets({ HALAB_STATS_PASSWORD: spec.envPassword, HALAB_VRRP_AUTH: spec.envAuth }),
        }).files;
        files += out.length;

        const ifaces = (host: string) => {
          const lb = m.lbs.find((l) => l.name === host);
          return lb ? m.vips.map((v) => lbInterface(lb, v)) : [];
        };
        const results = await validators.all(out, ifaces);
        const env = `HALAB_VRRP_AUTH=${JSON.stringify(spec.envAuth)} HALAB_STATS_PASSWORD=${JSON.stringify(spec.envPassword)}`;
        for (const r of results) assert.ok(r.verdict.ok, `${r.file}: ${r.verdict.tool}:\n${r.verdict.output}\n--- ${env}\n${text}`);

        // Every lb gets haproxy.cfg and keepalived.conf; the page text survives HTML escaping.
        for (const lb of m.lbs) {
          assert.ok(out.some((f) => f.host === lb.name && f.path === '/etc/haproxy/haproxy.cfg'));
          assert.ok(out.some((f) => f.host === lb.name && f.path === '/etc/keepalived/keepalived.conf'));
        }
        for (const f of out.filter((x) => x.path.endsWith('/index.html'))) {
          const site = m.sites.find((s) => f.path === `${s.root}/index.html`)!;
          assert.equal(htmlUnescape(f.content.split('\n')[1]!), site.page);
        }

        seen.tls += m.sites.some((s) => s.tls) ? 1 : 0;
        seen.unicast += m.vips.some((v) => v.unicast) ? 1 : 0;
        seen.v3 += m.vips.some((v) => v.vrrpVersion === 3) ? 1 : 0;
        seen.script += m.vips.some((v) => v.track === 'script') ? 1 : 0;
        seen.process += m.vips.some((v) => v.track === 'process') ? 1 : 0;
        seen.backup += m.upstreams.some((u) => u.backup) ? 1 : 0;
        seen.nft += out.some((f) => f.path.endsWith('/firewall.nft')) ? 1 : 0;
        seen.firewalld += out.some((f) => f.path.endsWith('/firewall.sh')) ? 1 : 0;
      }),
      {
        numRuns: RUNS,
        endOnFailure: true,
        ...(process.env.HALAB_PROPERTY_SEED ? { seed: Number(process.env.HALAB_PROPERTY_SEED), path: process.env.HALAB_PROPERTY_PATH }
          : {}),
      },
    );
    if (result.failed) {
      // Show the assertion (with the .halab text) rather than fast-check's dump of the spec.
      const err = result.errorInstance as Error | undefined;
      assert.fail(`failed after ${result.numRuns} run(s) (seed ${result.seed}, path ${result.counterexamplePath}):\n` +
        `${err?.message ?? String(result.errorInstance)}`);
    }
    console.log(`validated ${files} files from ${RUNS} topologies; runs with each feature: ${JSON.stringify(seen)}`);
    // The generator must actually reach every feature the issue lists.
    if (RUNS >= 100) for (const [k, n] of Object.entries(seen)) assert.ok(n > 0, `no generated topology had ${k}`);
  });
});
