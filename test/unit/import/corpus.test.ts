/**
 * The import corpus (test/fixtures/import: configs written by the team in the styles of real
 * setups; INDEX.md lists them, validate.sh checks each with the real validators). For every case:
 * - nothing is dropped silently: every directive line of every lb's haproxy.cfg and
 *   keepalived.conf is in the report, and a case that cannot be imported says so with errors
 *   that name their input line;
 * - a case that imports renders configs the real validators accept, in which every line the
 *   report calls a default or a pass-through stands in the matching section (the semantic
 *   comparison: sections and directives normalised, order of pass-through lines kept), and
 *   importing that render gives the same .halab file again.
 * IMPORTED lists the cases that import today (every line kept, a file written): a case leaving it
 * is a regression. FINDINGS lists those of them whose topology halab's checks refuse, by code.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import type { RenderedFile } from '../../../server/src/render/types.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { importConfigs, readImportDir, type ImportHost } from '../../../server/src/import/index.js';
import { haproxyWords, parseHaproxyCfg } from '../../../server/src/import/haproxy-cfg.js';
import { canValidate } from '../../helpers/validators.js';

const BASE = fileURLToPath(new URL('../../fixtures/import', import.meta.url));
const VALIDATE = join(BASE, 'validate.sh');
const CASES = readdirSync(BASE).filter((d) => /^\d\d-/.test(d)).sort();
const IMPORTED = [
  '01-tutorial-two-sites', '02-tls-edge-certbot', '03-hosting-many-frontends', '04-path-routing-gateway', '05-acl-chains', '06-map-host-routing',
  '07-stick-tables-ratelimit', '08-userlist-basic-auth', '09-resolvers-server-template', '10-tcp-database-proxies',
  '11-active-active-peers', '12-sync-group-dmz-lan', '13-notify-and-check-scripts', '14-ansible-role-rendered', '15-legacy-httpchk',
  '16-http-check-sequences', '17-default-backend-only', '18-cookie-persistence', '19-errorfiles-compression-headers',
  '20-tuned-global-logformat', '21-multiple-defaults', '22-named-defaults-from', '23-ipv6-dual-stack', '24-kubernetes-apiserver', '25-homelab-three-pis',
  '26-mail-tcp-proxy', '27-per-node-stats-prometheus', '28-crt-list-mtls',
];
/**
 * Cases whose every line is kept, but whose topology halab's checks refuse: the file is written
 * with these errors to fix (and still rendered, compared and validated here). Each is a real fault of the input (read the case's README):
 * failover-impossible: the priority gap is larger than the track weight, so keepalived never
 * moves the VIP when haproxy dies; multiple-primaries: each lb is MASTER of one vip
 * (active/active), which halab's one role per lb cannot say.
 */
const FINDINGS: Record<string, string[]> = {
  // the lbs serve a public network and an internal one, a vip on each: halab's lb has one address
  '03-hosting-many-frontends': ['vip-outside-subnet'],
  '04-path-routing-gateway': ['failover-impossible'],
  '10-tcp-database-proxies': ['multiple-primaries'],
  '11-active-active-peers': ['multiple-primaries'],
  // the lbs sit on a DMZ and a LAN, a vip on each: halab's lb has one address (its VRRP subnet)
  '12-sync-group-dmz-lan': ['vip-outside-subnet'],
  '14-ansible-role-rendered': ['failover-impossible'],
  '16-http-check-sequences': ['failover-impossible'],
  '19-errorfiles-compression-headers': ['failover-impossible'],
  '22-named-defaults-from': ['failover-impossible'],
  '23-ipv6-dual-stack': ['failover-impossible'],
  '26-mail-tcp-proxy': ['failover-impossible'],
  '28-crt-list-mtls': ['failover-impossible'],
};

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

function directiveLines(text: string): number[] {
  return text.split('\n').flatMap((l, i) => (l.trim() === '' || /^\s*[#!]/.test(l) || /^\s*\}\s*$/.test(l) ? [] : [i + 1]));
}

function hostsOf(files: RenderedFile[]): ImportHost[] {
  const hosts = new Map<string, Map<string, string>>();
  for (const f of files) {
    if (!hosts.has(f.host)) hosts.set(f.host, new Map());
    hosts.get(f.host)!.set(f.path, f.content);
  }
  return [...hosts].map(([name, files]) => ({ name, files }));
}

describe('import corpus', () => {

  it('has at least 25 cases', () => assert.ok(CASES.length >= 25, `${CASES.length} cases`));

  for (const c of CASES) {
    it(c, async () => {
      const hosts = readImportDir(`${BASE}/${c}`);
      const r = importConfigs({ hosts, output: `${c}.halab` });

      // nothing dropped silently
      for (const h of hosts) {
        for (const [path, text] of h.files) {
          if (!/\/etc\/(haproxy\/haproxy\.cfg|keepalived\/keepalived\.conf)$/.test(path)) continue;
          const seen = new Set(r.report.filter((e) => e.host === h.name && e.file === path).map((e) => e.line));
          assert.deepEqual(directiveLines(text).filter((l) => !seen.has(l)), [], `${h.name}:${path}: lines missing from the report`);
        }
      }
      for (const e of r.errors) assert.ok(e.line > 0 && e.file !== '', `an error without its line: ${JSON.stringify(e)}`);
      const lost = r.errors.filter((e) => e.host !== '');
      // an input line lost: nothing written; only the topology refused by halab's checks: the file, to fix
      assert.equal(r.text === '', lost.length > 0, 'a file exactly when no input line was lost');
      if (lost.length) {
        assert.ok(!IMPORTED.includes(c), `${c} imported before: ${lost.slice(0, 3).map((e) => `${e.host}:${e.file}:${e.line} ${e.detail}`).join('; ')}`);
        return;
      }
      assert.ok(IMPORTED.includes(c), `${c} imports now: add it to IMPORTED`);
      const codes = [...new Set(r.errors.map((e) => e.detail.split(':')[0]))].sort();
      assert.deepEqual(codes, FINDINGS[c] ?? [], `${c}: halab's checks on the imported topology`);

      // a topology halab's checks refuse still renders: what the validators and the comparison see
      const a = analyze(r.text, `${c}.halab`);
      assert.deepEqual([...new Set(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code))].sort(), FINDINGS[c] ?? []);
      const secrets = envSecrets(Object.fromEntries(r.secrets.map((s) => [s.env, s.value])));
      const files = render(a.model, { source: `${c}.halab`, secrets }).files;

      // the semantic comparison: every default or pass-through line stands in its section
      for (const h of hosts) {
        const input = h.files.get('/etc/haproxy/haproxy.cfg');
        const out = files.find((f) => f.host === h.name && f.path === '/etc/haproxy/haproxy.cfg')?.content;
        if (input === undefined) continue;
        assert.ok(out, `${h.name} has a rendered haproxy.cfg`);
        const rendered = new Set(parseHaproxyCfg(out).sections.flatMap((s) => [norm(s.text), ...s.directives.map((d) => norm(d.text))]));
        // the input's own line (the report masks the secrets in the lines it quotes)
        const inputLines = input.split('\n');
        for (const e of r.report.filter((x) => x.host === h.name && x.file === '/etc/haproxy/haproxy.cfg')) {
          // a section kept whole says its defaults' lines itself instead of `from NAME`
          const line = haproxyWords(inputLines[e.line - 1]!).text.replace(/^((?:frontend|backend|listen)\s+\S+)\s+from\s+\S+$/, '$1');
          if (e.went === 'pass-through' || (e.went === 'default' && !/^\s*option forwardfor/.test(line))) {
            assert.ok(rendered.has(norm(line)), `${h.name}:${e.line} \`${e.text}\` (${e.went}) is not in the rendered haproxy.cfg`);
          }
        }
      }
      // the render imports back to the same file
      const again = importConfigs({ hosts: hostsOf(files), output: `${c}.halab` });
      assert.equal(again.text, r.text);

      if (canValidate()) {
        // the corpus's own validator, on the rendered configs in place of the input's: it stubs the
        // certificates, maps and scripts the configs name, as it does for the input
        const dir = mkdtempSync(join(tmpdir(), `halab-corpus-${c}-`));
        try {
          cpSync(`${BASE}/${c}`, dir, { recursive: true });
          for (const f of files.filter((x) => /\/etc\/(haproxy\/haproxy\.cfg|keepalived\/keepalived\.conf|nginx\/conf\.d\/[^/]+)$/.test(x.path))) {
            mkdirSync(dirname(join(dir, f.host, f.path)), { recursive: true });
            writeFileSync(join(dir, f.host, f.path), f.content);
          }
          const v = spawnSync('bash', [VALIDATE, dir], { encoding: 'utf8', timeout: 120_000 });
          assert.equal(v.status, 0, `${v.stdout}\n${v.stderr}`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });
  }
});
