/**
 * Pass-through statements (schema/pass-through.ts): the rule that keeps a line in its place, with
 * the expected verdicts written out; where each statement's lines land in haproxy.cfg and
 * keepalived.conf (read back section by section); and real directives of the kinds people carry
 * over from hand-written configs (stick tables and rate limits, ACL chains, maps, notify scripts,
 * track_interface) through the real `haproxy -c` and `keepalived -t`, which also refuse a
 * misspelt directive and name it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { parsePassLine, type PassSection } from '../../../server/src/schema/pass-through.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { Validators, canValidate, SKIP_REASON } from '../../helpers/validators.js';
import { BASE } from '../../helpers/markers.js';

const ok = (s: string, section: PassSection) => parsePassLine(s, section);
const why = (s: string, section: PassSection): string => {
  const p = parsePassLine(s, section);
  assert.equal(p.ok, false, `${JSON.stringify(s)} should be refused in ${section}`);
  return (p as { message: string }).message;
};

describe('a pass-through line stays one directive of its section', () => {
  it('takes real directives, trimmed', () => {
    for (const [line, section] of [
      ['nbthread 4', 'haproxy-global'],
      ['tune.ssl.default-dh-param 2048', 'haproxy-global'],
      ['option http-keep-alive', 'haproxy-defaults'],
      ['timeout tunnel 1h', 'haproxy-defaults'],
      ['http-request deny if { path_beg /admin } !{ src 10.0.0.0/8 }', 'haproxy-frontend'],
      ['  stick-table type ip size 1m expire 30m store http_req_rate(10s)  ', 'haproxy-backend'],
      ['vrrp_garp_master_refresh 60', 'keepalived-global'],
      ['track_interface { eth1 weight -20 }', 'keepalived-instance'],
      ['notify_master "/etc/keepalived/master.sh VI_1"', 'keepalived-instance'],
    ] as const) {
      const p = ok(line, section);
      assert.deepEqual(p, { ok: true, value: line.trim() }, line);
    }
  });

  it('refuses a second line, a control character and a trailing backslash', () => {
    assert.match(why('nbthread 4\nbackend x', 'haproxy-global'), /one line, without control characters/);
    assert.match(why('nbthread\u00004', 'haproxy-global'), /control characters/);
    assert.match(why('notify_master /x.sh \\', 'keepalived-instance'), /trailing `\\`/);
    assert.match(why('   ', 'haproxy-global'), /a haproxy directive for haproxy's `global`/);
  });

  it('refuses what would start a section or change the lines after it', () => {
    for (const opener of ['backend evil', 'listen x', 'frontend f', 'defaults', 'peers p', 'userlist u', 'resolvers dns']) {
      assert.match(why(opener, 'haproxy-backend'), /would start a section of its own/, opener);
    }
    for (const opener of ['vrrp_instance X {}', 'virtual_server 1.2.3.4 80 {}', 'global_defs {}']) {
      assert.match(why(opener, 'keepalived-instance'), /would start a section of its own/, opener);
    }
    assert.match(why('include /etc/keepalived/other.conf', 'keepalived-global'), /start a file of its own/);
    // quoted, escaped, variable or conditional first words could spell a section keyword
    for (const s of ['"backend" x', '\\x62ackend x', '${SECTION} x', '.if defined(X)', '.diag "x"']) {
      assert.match(why(s, 'haproxy-frontend'), /starting with a directive name/, s);
    }
    for (const s of ['@lb1 priority 100', '$VAR=1', '~SEQ(i,1,3)']) {
      assert.match(why(s, 'keepalived-instance'), /starting with a directive name/, s);
    }
  });

  it('keepalived: braces balance on the line, and never close the enclosing block', () => {
    assert.match(why('track_interface { eth1', 'keepalived-instance'), /closed on the same line/);
    assert.match(why('garp_master_refresh 60 }', 'keepalived-instance'), /cannot close the enclosing block/);
    assert.match(why('track_interface } eth1 {', 'keepalived-instance'), /cannot close the enclosing block/);
  });

  it('refuses a directive halab writes itself, naming the statement that says it', () => {
    assert.match(why('priority 200', 'keepalived-instance'), /for `priority`, use `priority` in the lb blocks/);
    assert.match(why('virtual_router_id 9', 'keepalived-instance'), /use `router-id`/);
    assert.match(why('balance leastconn', 'haproxy-backend'), /use `balance` in the site block/);
    assert.match(why('server extra 198.18.0.30:80', 'haproxy-backend'), /`servers` in the site block/);
    assert.match(why('option redispatch', 'haproxy-defaults'), /`redispatch on\|off`/);
    assert.match(why('timeout connect 5s', 'haproxy-defaults'), /`timeout connect` in the defaults block/);
    // a timeout halab does not write is the user's to set
    assert.equal(ok('timeout tunnel 1h', 'haproxy-defaults').ok, true);
  });

  it('stays within the targets\' line bounds: 1,000 bytes, and 64 words for HAProxy', () => {
    assert.equal(ok(`description ${'x'.repeat(988)}`, 'haproxy-backend').ok, true);
    assert.match(why(`description ${'é'.repeat(500)}`, 'haproxy-backend'), /at most 1000 bytes/);
    assert.equal(ok(`description ${Array(63).fill('w').join(' ')}`, 'haproxy-backend').ok, true);
    assert.match(why(`description ${Array(64).fill('w').join(' ')}`, 'haproxy-backend'), /at most 64 words/);
  });
});

const PASS = `${BASE.replace('vip 198.18.0.100/24 { router-id 51 }', `vip 198.18.0.100/24 {
  router-id 51
  keepalived "track_interface { eth1 weight -20 }"
  keepalived "garp_master_refresh 60"
}`).replace('site s1 { host a.example.com; servers web1 web2 }', `site s1 {
  host a.example.com
  servers web1 web2
  frontend "http-request track-sc0 src table s1"
  frontend "http-request deny deny_status 429 if host_s1 { sc_http_req_rate(0) gt 100 }"
  backend "stick-table type ip size 100k expire 30s store http_req_rate(10s)"
  backend "http-request set-header X-Site s1"
}
site s2 {
  host b.example.com
  servers web1
  frontend "acl blocked src -f /etc/haproxy/blocked.lst"
  backend "option forwardfor header X-Client-IP"
}
defaults {
  haproxy "option http-keep-alive"
  haproxy "timeout tunnel 1h"
}
haproxy "nbthread 2"
haproxy "tune.bufsize 32768"
keepalived "vrrp_garp_master_refresh 60"
keepalived "max_auto_priority 50"`)}`;

function renderText(text: string) {
  const a = analyze(text, 'pass.halab');
  assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics.filter((d) => d.severity === 'error')));
  return render(a.model, { source: 'pass.halab', secrets: envSecrets({}) }).files;
}

/** HAProxy's sections: each header line (no indent) → its indented lines, comments dropped. */
function haproxySections(cfg: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur = '';
  for (const line of cfg.split('\n')) {
    if (/^\S/.test(line) && !line.startsWith('#')) out.set((cur = line.trim()), []);
    else if (cur && line.trim() && !line.trim().startsWith('#')) out.get(cur)!.push(line.trim());
  }
  return out;
}

describe('each statement\'s lines land in their section, in file order', () => {
  const files = renderText(PASS);
  const cfg = files.find((f) => f.host === 'lb1' && f.path === '/etc/haproxy/haproxy.cfg')!.content;
  const ka = files.find((f) => f.host === 'lb2' && f.path === '/etc/keepalived/keepalived.conf')!.content;
  const sections = haproxySections(cfg);

  it('HAProxy: global, defaults, the shared frontend (per site, before the routing), each backend', () => {
    const g = sections.get('global')!;
    assert.deepEqual(g.slice(-2), ['nbthread 2', 'tune.bufsize 32768']);
    const d = sections.get('defaults')!;
    assert.deepEqual(d.slice(-2), ['option http-keep-alive', 'timeout tunnel 1h']);
    const fe = sections.get('frontend fe_http_198.18.0.100_80')!;
    const i1 = fe.indexOf('http-request track-sc0 src table s1');
    assert.deepEqual(fe.slice(i1, i1 + 3), [
      'http-request track-sc0 src table s1',
      'http-request deny deny_status 429 if host_s1 { sc_http_req_rate(0) gt 100 }',
      'acl blocked src -f /etc/haproxy/blocked.lst',
    ]);
    assert.ok(i1 > fe.findIndex((l) => l.startsWith('acl host_s2')), 'after the site ACLs they may use');
    assert.ok(i1 < fe.findIndex((l) => l.startsWith('use_backend')), 'before the routing');
    const be = sections.get('backend s1')!;
    const j = be.indexOf('stick-table type ip size 100k expire 30s store http_req_rate(10s)');
    assert.deepEqual(be.slice(j, j + 2), [
      'stick-table type ip size 100k expire 30s store http_req_rate(10s)',
      'http-request set-header X-Site s1',
    ]);
    assert.ok(j < be.findIndex((l) => l.startsWith('server ')), 'before the server lines');
    assert.ok(sections.get('backend s2')!.includes('option forwardfor header X-Client-IP'));
    assert.ok(!sections.get('backend s2')!.includes('http-request set-header X-Site s1'), 'a site\'s backend lines are its own');
  });

  it('keepalived: global_defs and the vip\'s vrrp_instance, on every lb', () => {
    const defs = /global_defs \{([\s\S]*?)\n\}/.exec(ka)![1]!;
    assert.match(defs, /\n {4}vrrp_garp_master_refresh 60\n {4}max_auto_priority 50$/);
    const inst = /vrrp_instance \S+ \{([\s\S]*)\n\}/.exec(ka)![1]!;
    assert.match(inst, /\n {4}track_interface \{ eth1 weight -20 \}\n {4}garp_master_refresh 60$/);
  });

  it('a TLS site\'s frontend lines go to the https frontend (its http frontend only redirects)', () => {
    const tls = renderText(PASS.replace('  host b.example.com\n', '  host b.example.com\n  tls /etc/haproxy/certs/b.pem\n'));
    const s = haproxySections(tls.find((f) => f.host === 'lb1' && f.path === '/etc/haproxy/haproxy.cfg')!.content);
    assert.ok(s.get('frontend fe_https_198.18.0.100_443')!.includes('acl blocked src -f /etc/haproxy/blocked.lst'));
    assert.ok(!s.get('frontend fe_http_198.18.0.100_80')!.includes('acl blocked src -f /etc/haproxy/blocked.lst'));
  });

  it('without pass-through statements nothing changes (no empty comment, no blank line)', () => {
    const plain = renderText(BASE);
    assert.doesNotMatch(plain.map((f) => f.content).join('\n'), /pass-through/);
  });
});

describe('the real validators', { skip: !canValidate() && SKIP_REASON }, () => {
  const v = new Validators();
  after(() => v.cleanup());
  const ifaces = () => ['eth0', 'eth1'];

  it('take the carried-over directives', async () => {
    // `-f FILE` needs the file: the blocked list is read at startup
    const files = renderText(PASS.replace('acl blocked src -f /etc/haproxy/blocked.lst', 'acl blocked src 192.0.2.0/24'));
    const results = await v.all(files.filter((f) => f.host === 'lb1'), ifaces);
    for (const r of results) assert.ok(r.verdict.ok, `${r.file}: ${r.verdict.output.slice(0, 600)}`);
    assert.ok(results.some((r) => r.verdict.tool.startsWith('haproxy')) && results.some((r) => r.verdict.tool.startsWith('keepalived')));
  });

  it('refuse a misspelt directive and name it', async () => {
    const ha = renderText(PASS.replace('"option http-keep-alive"', '"option http-keep-alvie"'));
    const [h] = await v.all(ha.filter((f) => f.host === 'lb1' && f.path.endsWith('haproxy.cfg')), ifaces);
    assert.equal(h!.verdict.ok, false);
    assert.match(h!.verdict.output, /http-keep-alvie/);
    const ka = renderText(PASS.replace('"garp_master_refresh 60"', '"garp_master_refersh 60"'));
    const [k] = await v.all(ka.filter((f) => f.host === 'lb1' && f.path.endsWith('keepalived.conf')), ifaces);
    assert.equal(k!.verdict.ok, false);
    assert.match(k!.verdict.output, /garp_master_refersh/);
  });
});

describe('a validator\'s message about a pass-through line names the statement it came from', () => {
  it('finds the quoted word among the pass-through lines, by the group comments', async () => {
    const { passThroughBlame } = await import('../../../server/src/render/explain.js');
    const files = renderText(PASS.replace('"option http-keep-alive"', '"option http-keep-alvie"'));
    const cfg = files.find((f) => f.host === 'lb1' && f.path === '/etc/haproxy/haproxy.cfg')!.content;
    const msg = "[ALERT] (1) : config : parsing [/tmp/x/haproxy.cfg:31] : unknown option 'http-keep-alvie'.";
    assert.deepEqual(passThroughBlame(cfg, msg), [
      '`option http-keep-alvie` (pass-through, from the defaults block\'s `haproxy` statements)',
    ]);
    // a word of halab's own lines is not blamed on a pass-through line
    assert.deepEqual(passThroughBlame(cfg, "unknown keyword 'maxconn' in 'defaults'"), []);
    const ka = files.find((f) => f.host === 'lb1' && f.path === '/etc/keepalived/keepalived.conf')!.content;
    assert.deepEqual(passThroughBlame(ka, "Unknown keyword 'track_interface'"),
      ['`track_interface { eth1 weight -20 }` (pass-through, from the vip\'s `keepalived` statements)']);
  });
});
