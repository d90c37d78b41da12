/**
 * Injection: a hostile value (newline, `;`, `{`, `"`, `#`, backslash, `$`, spaces…) in any
 * string-ish field is either rejected by analyze() or rendered so that it cannot end a line,
 * word or directive early. "Escaped" is proven, not assumed: the test reads the rendered
 * line back with a small tokenizer written from each format's documentation (config-tokens.ts: HAProxy
 * "2.2. Quoting and escaping", keepalived.conf(5) "Quoted strings", nginx's quoted strings) and
 * checks it decodes to exactly the value, on a line of its own; then the real validators run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render, RenderError } from '../../../server/src/render/render.js';
import type { RenderedFile } from '../../../server/src/render/types.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { lbInterface, type Topology } from '../../../shared/model/types.js';
import { Validators, canValidate, selfSignedPem, SKIP_REASON } from '../../helpers/validators.js';
import { haproxyTokens, htmlUnescape, keepalivedTokens, nginxTokens, halabString as q } from '../../helpers/config-tokens.js';

const HOSTILE = [
  'x\ny', 'x\r\ny', 'x;y', 'x{y', 'x}y', 'x"y', "x'y", 'x#y', 'x!y', 'x\\y', 'x$y', '${HOME}', 'x y', 'x\ty', 'x\\', '#', '"', '\\n',
];

// ---- the topology under attack ----

interface Slots {
  topology: string;
  iface: string;
  lbName: string;
  upName: string;
  siteName: string;
  host: string;
  tls: string;
  root: string;
  checkPath: string;
  page: string;
  statsUri: string;
  statsUser: string;
  statsPassword: string;
  realm: string;
  auth: string;
  trackCommand: string;
}

function halab(s: Slots): string {
  return `topology ${s.topology}
vip 198.18.0.100/24 {
  interface ${s.iface}
  router-id 51
  auth ${s.auth}
  track script
  track-weight 0
  track-command ${s.trackCommand}
}
lb ${s.lbName} { address 198.18.0.11; role primary; os debian }
lb lb2 { address 198.18.0.12; role backup }
upstream ${s.upName} { address 198.18.0.21 }
upstream web2 { address 198.18.0.22 }
site ${s.siteName} {
  host ${s.host}
  servers ${s.upName} web2
  tls ${s.tls}
  root ${s.root}
  check-path ${s.checkPath}
  page ${s.page}
  default
}
stats {
  uri ${s.statsUri}
  user ${s.statsUser}
  password ${s.statsPassword}
  realm ${s.realm}
}
firewall nftables
`;
}

function find(files: RenderedFile[], host: string, pred: (p: string) => boolean): RenderedFile {
  const f = files.find((x) => x.host === host && pred(x.path));
  assert.ok(f, `no file on ${host}`);
  return f;
}

function lineStarting(f: RenderedFile, prefix: string): string {
  const l = f.content.split('\n').find((x) => x.trimStart().startsWith(prefix));
  assert.ok(l !== undefined, `no line starting with ${prefix} in ${f.host}:${f.path}\n${f.content}`);
  return l.trim();
}

type Outcome = 'rejected' | 'escaped' | 'refused';

describe('injection: hostile values are rejected or escaped', () => {
  const v = new Validators();
  let dir = '';
  let pem = '';
  const tally: Record<string, Record<Outcome, number>> = {};
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'halabinj'));
    pem = selfSignedPem(dir);
  });
  after(() => {
    v.cleanup();
    rmSync(dir, { recursive: true, force: true });
    console.log('outcomes per field:', JSON.stringify(tally));
  });

  const base = (): Slots => ({
    topology: 't',
    iface: 'eth0',
    lbName: 'lb1',
    upName: 'web1',
    siteName: 'site1',
    host: 'www.example.test',
    tls: pem,
    root: '/srv/www/site1',
    checkPath: '/healthz',
    page: q('hello'),
    statsUri: '/stats',
    statsUser: 'ops',
    statsPassword: 'env:HALAB_STATS_PASSWORD',
    realm: q('Stats'),
    auth: 'env:HALAB_VRRP_AUTH',
    trackCommand: q('/usr/bin/killall -0 haproxy'),
  });

  /**
   * Each field: how to write the hostile value into the .halab file (as a bare word and as a
   * string where it makes sense), and how to read it back from the rendered files.
   */
  const fields: {
    name: keyof Slots | 'envPassword' | 'envAuth' | 'source';
    forms: ((x: string) => string)[];
    get?: (m: Topology) => string | undefined;
    readBack?: (files: RenderedFile[], value: string, m: Topology) => void;
  }[] = [
    { name: 'topology', forms: [(x) => x, q], get: (m) => m.name, readBack: (f) => headerIntact(f) },
    { name: 'lbName', forms: [(x) => x, q], get: (m) => m.lbs[0]!.name },
    { name: 'upName', forms: [(x) => x, q], get: (m) => m.upstreams[0]!.name },
    { name: 'siteName', forms: [(x) => x, q], get: (m) => m.sites[0]!.name },
    { name: 'iface', forms: [(x) => x, q], get: (m) => m.vips[0]!.interface,
      readBack: (f, x, m) =>
        assert.deepEqual(keepalivedTokens(lineStarting(find(f, m.lbs[0]!.name, (p) => p.includes('keepalived')), 'interface')),
          ['interface', x]) },
    { name: 'host', forms: [(x) => x, q], get: (m) => m.sites[0]!.hosts.join(' '),
      // A bare `x y` is two names; both must come back, each its own word.
      readBack: (f, _x, m) =>
        assert.deepEqual(nginxTokens(lineStarting(find(f, m.upstreams[0]!.name, (p) => p.startsWith('/etc/nginx/')), 'server_name')),
          ['server_name', ...m.sites[0]!.hosts, ';']) },
    { name: 'tls', forms: [(x) => `/etc/${x}`, (x) => q(`/etc/${x}`)], get: (m) => m.sites[0]!.tls,
      readBack: (f, x, m) => {
        const t = haproxyTokens(lineStarting(find(f, m.lbs[0]!.name, (p) => p.includes('haproxy.cfg')), 'bind 198.18.0.100:443'));
        assert.equal(t[t.indexOf('crt') + 1], x.replace(/(.)\/$/, '$1'));
      } },
    { name: 'root', forms: [(x) => `/srv/${x}`, (x) => q(`/srv/${x}`)], get: (m) => m.sites[0]!.root,
      readBack: (f, x, m) =>
        assert.deepEqual(nginxTokens(lineStarting(find(f, m.upstreams[0]!.name, (p) => p.startsWith('/etc/nginx/')), 'root')),
          ['root', x.replace(/(.)\/$/, '$1'), ';']) },
    { name: 'checkPath', forms: [(x) => `/${x}`, (x) => q(`/${x}`)], get: (m) => m.sites[0]!.checkPath,
      readBack: (f, x, m) => {
        const t = haproxyTokens(lineStarting(find(f, m.lbs[0]!.name, (p) => p.includes('haproxy.cfg')), 'http-check send'));
        assert.equal(t[t.indexOf('uri') + 1], x);
      } },
    { name: 'statsUri', forms: [(x) => `/${x}`, (x) => q(`/${x}`)], get: (m) => m.stats!.uri,
      readBack: (f, x, m) =>
        assert.deepEqual(haproxyTokens(lineStarting(find(f, m.lbs[0]!.name, (p) => p.includes('haproxy.cfg')), 'stats uri')),
          ['stats', 'uri', x]) },
    { name: 'statsUser', forms: [(x) => x, q], get: (m) => m.stats!.user,
      readBack: (f, x, m) => assert.equal(
        haproxyTokens(lineStarting(find(f, m.lbs[0]!.name, (p) => p.includes('haproxy.cfg')), 'stats auth'))[2]!.split(':')[0], x) },
    { name: 'page', forms: [q], get: (m) => m.sites[0]!.page,
      readBack: (f, x, m) => {
        const lines = find(f, m.upstreams[0]!.name, (p) => p.endsWith('index.html')).content.split('\n');
        assert.equal(htmlUnescape(lines.slice(1, -1).join('\n')), x);
      } },
    { name: 'realm', forms: [q], get: (m) => m.stats!.realm,
      readBack: (f, x, m) =>
        assert.deepEqual(haproxyTokens(lineStarting(find(f, m.lbs[0]!.name, (p) => p.includes('haproxy.cfg')), 'stats realm')),
          ['stats', 'realm', x.replace(/["\\]/g, (c) => '\\' + c)]) },
    { name: 'statsPassword', forms: [q], get: (m) => (m.stats!.password?.kind === 'literal' ? m.stats!.password.value : undefined),
      readBack: (f, x, m) =>
        assert.deepEqual(haproxyTokens(lineStarting(find(f, m.lbs[0]!.name, (p) => p.includes('haproxy.cfg')), 'stats auth')),
          ['stats', 'auth', `ops:${x}`]) },
    { name: 'envPassword', forms: [(x) => x],
      readBack: (f, x, m) =>
        assert.deepEqual(haproxyTokens(lineStarting(find(f, m.lbs[0]!.name, (p) => p.includes('haproxy.cfg')), 'stats auth')),
          ['stats', 'auth', `ops:${x}`]) },
    { name: 'auth', forms: [q], get: (m) => (m.vips[0]!.auth?.kind === 'literal' ? m.vips[0]!.auth.value : undefined),
      readBack: (f, x, m) => checkAuth(f, x, m) },
    { name: 'envAuth', forms: [(x) => x], readBack: (f, x, m) => checkAuth(f, x, m) },
    { name: 'trackCommand', forms: [q, (x) => q(`/usr/bin/killall -0 ${x}`)], get: (m) => m.vips[0]!.trackCommand,
      readBack: (f, x, m) =>
        assert.deepEqual(keepalivedTokens(lineStarting(find(f, m.lbs[0]!.name, (p) => p.includes('keepalived')), 'script ')),
          ['script', x]) },
    { name: 'source', forms: [(x) => x], readBack: (f) => headerIntact(f) },
  ];

  function headerIntact(f: RenderedFile[]): void {
    for (const file of f) {
      const lines = file.content.split('\n');
      const header = lines.findIndex((l) => l.startsWith('# Generated') || l.startsWith('<!-- Generated'));
      assert.ok(header >= 0 && header <= 1, `${file.path}: header`);
      if (file.path.endsWith('.html')) assert.equal(lines[header]!.indexOf('-->'), lines[header]!.length - 3,
        'the HTML comment ends only at its end');
      else assert.ok(lines[header + 1]!.startsWith('# Do not edit'), `${file.path}: the header is two comment lines`);
    }
  }

  function checkAuth(f: RenderedFile[], x: string, m: Topology): void {
    const t = keepalivedTokens(lineStarting(find(f, m.lbs[0]!.name, (p) => p.includes('keepalived')), 'auth_pass'));
    assert.equal(t.length, 2);
    assert.ok(t[1]!.length > 0 && x.startsWith(t[1]!), `auth_pass ${JSON.stringify(t[1])} is a prefix of ${JSON.stringify(x)}`);
  }

  for (const field of fields) {
    it(`${field.name}`, { skip: !canValidate() && SKIP_REASON }, async () => {
      tally[field.name] = { rejected: 0, escaped: 0, refused: 0 };
      for (const x of HOSTILE) {
        for (const form of field.forms) {
          const slots = base();
          let env = { HALAB_STATS_PASSWORD: 'pw', HALAB_VRRP_AUTH: 'vrrp' };
          let source = 'lab.halab';
          if (field.name === 'envPassword') env = { ...env, HALAB_STATS_PASSWORD: x };
          else if (field.name === 'envAuth') env = { ...env, HALAB_VRRP_AUTH: x };
          else if (field.name === 'source') source = `/home/u/${x}.halab`;
          else slots[field.name] = form(x);
          const text = halab(slots);
          const a = analyze(text, source);
          if (hasErrors(a.diagnostics)) {
            tally[field.name]!.rejected++;
            continue;
          }
          let files: RenderedFile[];
          try {
            files = render(a.model, { source, secrets: envSecrets(env) }).files;
          } catch (e) {
            // The renderer refusing a value no format can hold is also safe, but should be rare.
            assert.ok(e instanceof RenderError, `render threw ${String(e)}`);
            tally[field.name]!.refused++;
            continue;
          }
          tally[field.name]!.escaped++;
          // What the parser made of the text (a bare `x#y` is `x` plus a comment): read that back.
          const value = field.get ? field.get(a.model) : x;
          if (value !== undefined && /[^A-Za-z0-9._/-]/.test(value)) {
            assert.ok(field.readBack, `${field.name} = ${JSON.stringify(value)} passed analyze(); it needs a read-back check`);
          }
          if (value !== undefined) field.readBack?.(files, value, a.model);
          const ifaces = (host: string) => {
            const lb = a.model.lbs.find((l) => l.name === host);
            return lb ? a.model.vips.map((vip) => lbInterface(lb, vip)) : [];
          };
          // A certificate path that does not exist fails `haproxy -c` by design; the read-back proved the escaping.
          if (field.name === 'tls' && value !== pem) continue;
          for (const r of await v.all(files, ifaces)) assert.ok(r.verdict.ok,
            `${field.name}=${JSON.stringify(x)}: ${r.file}: ${r.verdict.tool}: ${r.verdict.output}`);
        }
      }
    });
  }
});
