/**
 * Structured fuzzing over the schema: every argument of every keyword of every block (taken from
 * the schema table, so a new keyword is fuzzed without touching this file) × hostile values:
 * newlines, NUL and other control bytes, quotes, braces, `#`, `;`, `$`, unicode (RTL override,
 * U+2028, emoji), path traversal, and values just below and just past each length bound. Each is
 * written as a bare word and as a string. Plus the environment secrets and the source file name,
 * which `check` never sees.
 *
 * For each case: `analyze()` must not throw; what it accepts must render (no "accepted by check,
 * failing later"), without injecting anything:
 *  - each file has the same number of lines as the untouched topology's (a value never adds one);
 *  - a marked value (`AAQ…ZZQ`) comes back as ONE token of its line, read with the format's own
 *    tokenizer (config-tokens.ts), so it cannot end a word, directive or block early;
 *  - every line is within its target's measured bound: keepalived 1,022 bytes, HAProxy 64 words,
 *    nginx 4,095 bytes (bounds.test.ts runs the binaries at and past each);
 * and a bounded sample of the rendered cases goes through the real validators (haproxy -c,
 * keepalived -t, nginx -t, nft -c, sh -n). Bounded in time: the sample stops at a time budget;
 * the whole test stays under a minute. It prints how many cases it tried.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import type { RenderedFile } from '../../../server/src/render/types.js';
import { BLOCKS, type ArgSpec } from '../../../server/src/schema/schema.js';
import type { PassSection } from '../../../server/src/schema/pass-through.js';
import { envSecrets } from '../../../server/src/secrets.js';
import { lbInterface, type Topology } from '../../../shared/model/types.js';
import { Validators, canValidate, selfSignedPem } from '../../helpers/validators.js';
import { haproxyTokens, halabString, htmlUnescape, keepalivedTokens, nginxTokens } from '../../helpers/config-tokens.js';

/** Measured bounds (see bounds.test.ts), written here independently of render/limits.ts. */
const KEEPALIVED_LINE_BYTES = 1022;
const HAPROXY_WORDS = 64;
const NGINX_LINE_BYTES = 4095;

/**
 * Time bounds. Cases run round-robin over the fields, so a loaded machine that stops at the
 * budget has still tried every field (about 15 s for all of them on an idle 2-core machine).
 */
const CHECK_BUDGET_MS = Number(process.env.HALAB_FUZZ_CHECK_MS ?? 30_000);
/** Validator sample: at most this long, and at most this many cases per field. */
const VALIDATE_BUDGET_MS = Number(process.env.HALAB_FUZZ_VALIDATE_MS ?? 15_000);
const VALIDATE_PER_FIELD = 6;

// ---- the topology: every keyword of every block, with a valid value ----

interface Stmt {
  kw: string;
  args: string[];
  block?: Stmt[];
}

function baseTopology(pem: string): Stmt[] {
  return [
    { kw: 'topology', args: ['t'] },
    { kw: 'vip', args: ['198.18.0.100/24'], block: [
      { kw: 'interface', args: ['eth0'] }, { kw: 'router-id', args: ['51'] }, { kw: 'advert', args: ['1s'] },
      { kw: 'vrrp-version', args: ['2'] }, { kw: 'auth', args: ['env:A'] }, { kw: 'unicast', args: [] },
      { kw: 'preempt', args: ['on'] }, { kw: 'preempt-delay', args: ['5s'] }, { kw: 'handoff', args: ['on'] },
      { kw: 'track', args: ['script'] },
      { kw: 'track-interval', args: ['1s'] }, { kw: 'track-weight', args: ['0'] },
      { kw: 'track-command', args: [halabString('/usr/bin/killall -0 haproxy')] },
      { kw: 'keepalived', args: [halabString('garp_master_refresh 60')] }, { kw: 'instance', args: ['VI_web'] },
    ] },
    { kw: 'lb', args: ['lb1'], block: [
      { kw: 'address', args: ['198.18.0.11'] }, { kw: 'role', args: ['primary'] }, { kw: 'priority', args: ['250'] },
      { kw: 'interface', args: ['eth1'] }, { kw: 'ssh', args: ['root@198.18.0.11:22'] }, { kw: 'key', args: ['/root/.ssh/id_ed25519'] },
      { kw: 'os', args: ['debian'] },
    ] },
    { kw: 'lb', args: ['lb2'],
      block: [{ kw: 'address', args: ['198.18.0.12'] }, { kw: 'role', args: ['backup'] }, { kw: 'interface', args: ['eth1'] }] },
    { kw: 'upstream', args: ['web1'], block: [
      { kw: 'address', args: ['198.18.0.21'] }, { kw: 'port', args: ['80'] }, { kw: 'weight', args: ['100'] }, { kw: 'backup', args: [] },
      { kw: 'ssh', args: ['root@198.18.0.21'] }, { kw: 'key', args: ['/root/.ssh/id_ed25519'] }, { kw: 'os', args: ['ubuntu'] },
      { kw: 'managed', args: ['yes'] }, { kw: 'haproxy', args: [halabString('maxconn 100')] },
    ] },
    { kw: 'upstream', args: ['web2'], block: [{ kw: 'address', args: ['198.18.0.22'] }] },
    { kw: 'site', args: ['s1'], block: [
      { kw: 'host', args: ['a.example.test'] }, { kw: 'servers', args: ['web1', 'web2'] }, { kw: 'balance', args: ['roundrobin'] },
      { kw: 'listen', args: ['80'] }, { kw: 'vip', args: ['198.18.0.100'] }, { kw: 'tls', args: [pem] }, { kw: 'check', args: ['http'] },
      { kw: 'check-path', args: ['/healthz'] }, { kw: 'check-expect', args: ['200'] }, { kw: 'check-interval', args: ['2s'] },
      { kw: 'check-fall', args: ['3'] }, { kw: 'check-rise', args: ['2'] }, { kw: 'root', args: ['/srv/s1'] },
      { kw: 'page', args: [halabString('hello')] }, { kw: 'default', args: [] },
      { kw: 'frontend', args: [halabString('http-request deny if { path_beg /admin }')] },
      { kw: 'backend', args: [halabString('stick-table type ip size 1m expire 30m')] },
    ] },
    { kw: 'service', args: ['db'], block: [
      { kw: 'listen', args: ['5432'] }, { kw: 'servers', args: ['web1', 'web2'] }, { kw: 'port', args: ['5433'] },
      { kw: 'vip', args: ['198.18.0.100'] }, { kw: 'balance', args: ['leastconn'] }, { kw: 'check-send', args: [halabString('PING\\n')] },
      { kw: 'check-expect', args: [halabString('+PONG')] }, { kw: 'check-interval', args: ['2s'] }, { kw: 'check-fall', args: ['3'] },
      { kw: 'check-rise', args: ['2'] }, { kw: 'haproxy', args: [halabString('timeout client 1h')] },
    ] },
    { kw: 'stats', args: [], block: [
      { kw: 'listen', args: ['8080'] }, { kw: 'uri', args: ['/stats'] }, { kw: 'user', args: ['ops'] },
      { kw: 'password', args: ['env:P'] }, { kw: 'realm', args: [halabString('Stats')] },
      { kw: 'haproxy', args: [halabString('stats refresh 30s')] },
    ] },
    { kw: 'defaults', args: [], block: [
      { kw: 'maxconn', args: ['3000'] }, { kw: 'retries', args: ['3'] }, { kw: 'redispatch', args: ['on'] },
      { kw: 'timeout', args: ['connect', '10s'] }, { kw: 'haproxy', args: [halabString('option http-keep-alive')] },
    ] },
    { kw: 'firewall', args: ['auto'] },
    { kw: 'failover-test', args: [], block: [
      { kw: 'fault', args: ['kill-haproxy'] }, { kw: 'probe-interval', args: ['50ms'] }, { kw: 'duration', args: ['15s'] },
      { kw: 'max-outage', args: ['1s'] },
    ] },
    { kw: 'lab', args: [], block: [{ kw: 'bridge', args: ['halab0'] }, { kw: 'hosts', args: ['machines'] }] },
    { kw: 'haproxy', args: [halabString('nbthread 2')] },
    { kw: 'keepalived', args: [halabString('vrrp_garp_master_refresh 60')] },
    { kw: 'haproxy-section', args: ['backend', 'be_static'], block: [{ kw: 'haproxy', args: [halabString('balance roundrobin')] }] },
    { kw: 'keepalived-section', args: ['vrrp_script', 'chk_own'], block: [
      { kw: 'keepalived', args: [halabString('script "/usr/bin/true"')] },
    ] },
  ];
}

/** The .halab text, with argument `at.i` of statement `at.stmt` replaced by `at.value`. */
function text(stmts: Stmt[], at?: { stmt: Stmt; i: number; value: string }): string {
  const line = (s: Stmt) => {
    const args = s === at?.stmt ? Object.assign([...s.args], { [at.i]: at.value }) : s.args;
    return [s.kw, ...args].join(' ');
  };
  return stmts.map((s) => (s.block ? `${line(s)} {\n${s.block.map((b) => `  ${line(b)}`).join('\n')}\n}` : line(s))).join('\n') + '\n';
}

/** The statement a field lives in: the first top-level one, or the first of its block. */
function locate(stmts: Stmt[], blockId: string, keyword: string): Stmt | undefined {
  if (blockId === 'file') return stmts.find((s) => s.kw === keyword);
  const owner = stmts.find((s) => s.kw === blockId);
  return owner?.block?.find((s) => s.kw === keyword);
}

// ---- hostile values ----

const LONG = [63, 64, 253, 254, 255, 256, 999, 1000, 1001, 1009, 1010, 2048, 2049, 4000, 4001, 5000];
const HOSTILE: string[] = [
  'x\ny', 'x\r\ny', 'x\u0000y', 'x\u0001y', 'x\u001b[2Jy', 'x\u007fy', 'x\ty', 'x\u0085y', 'x\u2028y', 'x\u202ey', '\ufeffx',
  'x;y', 'x{y', 'x}y', '{', '}', 'x"y', '"', "x'y", "'", "''", 'x#y', '#', 'x!y', '!', 'x\\y', '\\', '\\n', 'x$y', '${HOME}',
  '$(id)', '`id`',
  'x y', ' ', '', 'é', '😀', '../../etc/passwd', '..', '.', './x', 'x/../y', '%2e%2e/x', 'x%0ay', 'x:y', 'x@y', 'x,y', 'x=y',
  ...LONG.map((n) => 'x'.repeat(n)),
  // keepalived's line bound through its escapes: `'` is written as 4 bytes, é as 2.
  "'".repeat(250), 'é'.repeat(499), 'é'.repeat(500), '😀'.repeat(300),
  // Long paths: many parts of 250 (total just under and past 4,000), one part of 256.
  ('p'.repeat(249) + '/').repeat(15) + 'p', ('p'.repeat(249) + '/').repeat(16) + 'p',
];

/**
 * Closed types (numbers, durations, enums, addresses) refuse any of these values by their form;
 * a cross-section of the list is enough for them and keeps the test within its time bound.
 */
const CLOSED = new Set(['enum', 'int', 'port', 'duration', 'ip', 'cidr', 'vip-ref', 'ssh']);
const CLOSED_SAMPLE = HOSTILE.filter((_, i) => i % 5 === 0);

/** How a value of this type is written so that it has a chance to pass its parser. */
function shape(spec: ArgSpec, v: string): string {
  switch (spec.type) {
    case 'path':
      return `/srv/${v}`;
    case 'url-path':
    case 'stats-uri':
      return `/${v}`;
    case 'command':
      return `/usr/bin/echo ${v}`;
    case 'dnsname':
    case 'host':
      return `${v}.example.test`;
    case 'pass-line':
      // after a directive name, so that the value reaches the rendered line
      return `${PASS_DIRECTIVE[spec.section!]} ${v}`;
    default:
      return v;
  }
}

/**
 * A pass-through line is copied as written: a directive of its section (one taking free text where
 * there is one), then the hostile value. Its tokens are the user's, so it is not held to one token;
 * it must stay whole on one line of its file. What it means is the daemon's to judge, so these
 * fields are not sampled through the validators here (test/unit/render/pass-through.test.ts runs
 * real lines through them).
 */
const PASS_DIRECTIVE: Record<PassSection, string> = {
  'haproxy-global': 'description', 'haproxy-defaults': 'unique-id-format', 'haproxy-frontend': 'description',
  'haproxy-backend': 'description', 'haproxy-listen': 'description', 'keepalived-global': 'notification_email_from',
  'keepalived-instance': 'notify_master', 'haproxy-section': 'description', 'haproxy-server': 'cookie',
  'keepalived-section': 'script',
};

/** `AAQ…ZZQ` around the value: the read-back finds it and checks it stayed one token. */
const mark = (v: string) => `AAQ${v}ZZQ`;

interface Case {
  field: string;
  /** The .halab text (undefined: the base text, with `env` or `source` hostile instead). */
  halab: string;
  env: Record<string, string>;
  source: string;
  marked: boolean;
  /** A pass-through field (its value is the user's directive: not held to one token or sent to the validators). */
  pass?: boolean;
  /** A pass-through line's marked value, exactly as it must appear on one rendered line. */
  passLine?: string;
}

function* cases(pem: string): Generator<Case> {
  const env = { P: 'pw', A: 'vrrp' };
  const source = 'fuzz.halab';
  const base = baseTopology(pem);
  for (const block of Object.values(BLOCKS)) {
    for (const spec of block.keywords) {
      // Each argument position; a keyword without arguments gets one too (it must be refused).
      const positions: (ArgSpec | undefined)[] = [...spec.args, ...(spec.rest ? [spec.rest] : [])];
      if (positions.length === 0) positions.push(undefined);
      for (const [i, argSpec] of positions.entries()) {
        for (const h of argSpec && CLOSED.has(argSpec.type) ? CLOSED_SAMPLE : HOSTILE) {
          // As a bare word (what the lexer makes of it) and, marked, as a string (the value whole).
          for (const marked of [false, true]) {
            const raw = marked ? mark(h) : h;
            const value = argSpec ? shape(argSpec, raw) : raw;
            const at = { stmt: locate(base, block.id, spec.keyword)!, i, value: marked ? halabString(value) : value };
            const pass = argSpec?.type === 'pass-line';
            const passLine = pass && marked ? value.trim() : undefined;
            yield {
              field: `${block.id}.${spec.keyword}[${i}]`, halab: text(base, at), env, source, marked,
              ...(pass ? { pass } : {}), ...(passLine ? { passLine } : {}),
            };
          }
        }
      }
    }
  }
  for (const h of HOSTILE) {
    for (const marked of [false, true]) {
      const v = marked ? mark(h) : h;
      if (v === '') continue; // an empty variable is a SecretError by design ("set P in the environment")
      yield { field: 'env:P', halab: text(base), env: { ...env, P: v }, source, marked };
      yield { field: 'env:A', halab: text(base), env: { ...env, A: v }, source, marked: false }; // cut to 8 bytes
      yield { field: 'source', halab: text(base), env, source: `/home/u/${encodeURIComponent(v)}.halab`, marked: false };
      yield { field: 'source', halab: text(base), env, source: `/home/u/${v}.halab`, marked: false };
    }
  }
}

// ---- the assertions on one rendered case ----

function tokensOf(path: string, line: string): string[] {
  if (path.endsWith('/haproxy.cfg')) return haproxyTokens(line);
  if (path.endsWith('/keepalived.conf')) return keepalivedTokens(line);
  if (path.startsWith('/etc/nginx/')) return nginxTokens(line);
  if (path.endsWith('.html')) return [htmlUnescape(line)];
  return [line];
}

function assertBounded(f: RenderedFile, label: string): void {
  const maxBytes = f.path.endsWith('/keepalived.conf') ? KEEPALIVED_LINE_BYTES
    : f.path.startsWith('/etc/nginx/') ? NGINX_LINE_BYTES
    : Infinity;
  const haproxy = f.path.endsWith('/haproxy.cfg');
  for (const line of f.content.split('\n')) {
    // A line of n UTF-16 units has at most 3n bytes: measure only lines that could be too long.
    if (line.length * 3 > maxBytes) assert.ok(Buffer.byteLength(line) <= maxBytes,
      `${label}: ${f.path}: ${Buffer.byteLength(line)}-byte line`);
    // Fewer than 64 blanks: fewer than 65 words.
    if (haproxy && line.split(/[ \t]/).length > HAPROXY_WORDS) {
      const words = haproxyTokens(line).length;
      assert.ok(words <= HAPROXY_WORDS, `${label}: ${f.path}: ${words} words`);
    }
  }
}

/**
 * A marked value: every line holding part of it holds all of it, in one token (in a comment: on
 * the comment's line). Not when the .halab parser already cut the value (a bare `x#y` is `x` and a
 * comment): then no file has its end, and the line counts speak for it.
 */
function assertOneToken(f: RenderedFile, label: string): void {
  for (const line of f.content.split('\n')) {
    if (!line.includes('AAQ') && !line.includes('ZZQ')) continue;
    // auth_pass is cut to 8 bytes: its start may be there without its end.
    if (/^\s*auth_pass /.test(line)) continue;
    if (/^\s*(#|<!--)/.test(line)) {
      assert.ok(line.includes('AAQ') && line.includes('ZZQ'),
        `${label}: ${f.host}:${f.path}: the value is split across lines: ${JSON.stringify(line.slice(0, 300))}`);
      continue;
    }
    const toks = tokensOf(f.path, line);
    const whole = toks.filter((t) => t.includes('AAQ') && t.indexOf('ZZQ') > t.indexOf('AAQ'));
    const parts = toks.filter((t) => t.includes('AAQ') || t.includes('ZZQ'));
    assert.ok(whole.length >= 1 && whole.length === parts.length,
      `${label}: ${f.host}:${f.path}: the value is split across tokens: ${JSON.stringify(line.slice(0, 300))}`);
  }
}

/** The cases of all fields interleaved: the first of each field, then the second of each… */
function roundRobin(list: Case[]): Case[] {
  const byField = new Map<string, Case[]>();
  for (const c of list) {
    const l = byField.get(c.field);
    if (l) l.push(c);
    else byField.set(c.field, [c]);
  }
  const out: Case[] = [];
  const lists = [...byField.values()];
  for (let r = 0; out.length < list.length; r++) for (const l of lists) if (r < l.length) out.push(l[r]!);
  return out;
}

interface Rendered {
  c: Case;
  files: RenderedFile[];
  model: Topology;
}

/**
 * The validator sample of one field: its longest rendered case (nearest the bounds) and others
 * spread evenly over the hostile list (quotes, braces, unicode…), VALIDATE_PER_FIELD in all.
 */
function pick(list: Rendered[]): Rendered[] {
  if (list.length <= VALIDATE_PER_FIELD) return list;
  const size = (r: Rendered) => r.c.halab.length + r.c.source.length + JSON.stringify(r.c.env).length;
  const longest = list.reduce((a, b) => (size(b) > size(a) ? b : a));
  const step = list.length / (VALIDATE_PER_FIELD - 1);
  return [longest, ...Array.from({ length: VALIDATE_PER_FIELD - 1 }, (_, k) => list[Math.floor(k * step)]!)];
}

describe('structured fuzz: every schema field × hostile values → check → render → validators', () => {
  const v = new Validators();
  let dir = '';
  let pem = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'halabfz-'));
    // Without openssl the tls field still fuzzes; only haproxy -c needs a real certificate.
    try {
      pem = selfSignedPem(dir);
    } catch {
      pem = join(dir, 'site.pem');
    }
  });
  after(() => {
    v.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nothing check accepts fails to render, injects a line or token, or exceeds a bound; the validators agree',
    { timeout: 120_000 }, async () => {
    const t0 = performance.now();
    const base = baseTopology(pem);
    // Every keyword of every block is in the base topology, so every field is fuzzed.
    for (const block of Object.values(BLOCKS)) {
      for (const spec of block.keywords) assert.ok(locate(base, block.id, spec.keyword),
        `the fuzz topology lacks ${block.id}.${spec.keyword}`);
    }
    const baseA = analyze(text(base), 'fuzz.halab');
    assert.deepEqual(baseA.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
    const baseFiles = render(baseA.model, { source: 'fuzz.halab', secrets: envSecrets({ P: 'pw', A: 'vrrp' }) }).files;
    // Names and paths may change with the value (a host called `x`), and a list may get shorter
    // (`servers "" web2` is one server); a value never adds a line to a file.
    const baseLines = new Map(baseFiles.map((f) => [`${f.host} ${f.path}`, f.content.split('\n').length]));

    let tried = 0;
    let refused = 0;
    const perField = new Map<string, Rendered[]>();
    const all = roundRobin([...cases(pem)]);
    const fields = new Set(all.map((c) => c.field));
    const checkDeadline = t0 + CHECK_BUDGET_MS;
    for (const c of all) {
      if (performance.now() > checkDeadline) break;
      tried++;
      const label = c.field;
      const a = analyze(c.halab, c.source);
      assert.deepEqual(a.internalErrors.map((e) => String(e.error)), [], `${c.field}: a check threw`);
      if (hasErrors(a.diagnostics)) {
        refused++;
        continue;
      }
      let files: RenderedFile[];
      try {
        files = render(a.model, { source: c.source, secrets: envSecrets(c.env) }).files;
      } catch (e) {
        assert.fail(`${c.field}: accepted by check, refused by render: ${(e as Error).message.slice(0, 300)}\n${c.halab.slice(0, 2000)}`);
      }
      for (const f of files) {
        const before = baseLines.get(`${f.host} ${f.path}`);
        const now = f.content.split('\n').length;
        assert.ok(before === undefined || now <= before,
          `${c.field}: ${f.host}:${f.path} has ${now} lines, ${before} before:\n${c.halab.slice(0, 2000)}`);
        assert.doesNotMatch(f.content, /[\u0000-\u0008\u000b-\u001f\u007f]/,
          `${c.field}: ${f.host}:${f.path} holds a raw control character`);
        assertBounded(f, label);
        if (c.marked && !c.pass && files.some((x) => x.content.includes('ZZQ'))) assertOneToken(f, c.field);
      }
      if (c.pass) {
        if (c.passLine) {
          // server-line parameters end their server line; every other pass-through line is a line of its own
          const whole = c.field.startsWith('upstream.haproxy')
            ? (l: string) => /^server \S+ /.test(l.trim()) && l.trimEnd().endsWith(` ${c.passLine}`)
            : (l: string) => l.trim() === c.passLine;
          assert.ok(files.some((f) => f.content.split('\n').some(whole)),
            `${c.field}: the pass-through line is not whole on one line of its file: ${JSON.stringify(c.passLine.slice(0, 200))}`);
        }
        continue;
      }
      // haproxy -c opens the tls certificate and resolves an upstream's DNS name: a made-up one
      // fails there by design, so those fields are read back only.
      if (!c.field.startsWith('site.tls') && !c.field.startsWith('upstream.address')) {
        const list = perField.get(c.field) ?? [];
        perField.set(c.field, list);
        list.push({ c, files, model: a.model });
      }
    }

    const checkedMs = performance.now() - t0;
    let validated = 0;
    // Round-robin over the fields again, so the time budget cuts evenly.
    const picks = [...perField.values()].map(pick);
    const sample = picks.flatMap((_, r) => picks.map((l) => l[r])).filter((x): x is Rendered => x !== undefined);
    if (canValidate()) {
      const deadline = performance.now() + VALIDATE_BUDGET_MS;
      for (const { c, files, model } of sample) {
        if (performance.now() > deadline) break;
        const ifaces = (host: string) => {
          const lb = model.lbs.find((l) => l.name === host);
          return lb ? model.vips.map((vip) => lbInterface(lb, vip)) : [];
        };
        for (const r of await v.all(files, ifaces)) {
          assert.ok(r.verdict.ok, `${c.field}: ${r.file}: ${r.verdict.tool}: ${r.verdict.output.slice(0, 500)}\n${c.halab.slice(0, 2000)}`);
        }
        validated++;
      }
    }
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(
      `structured fuzz: ${tried} of ${all.length} cases over ${fields.size} fields; ${refused} refused by check, ` +
        `${tried - refused} rendered and read back, ${validated} of ${sample.length} sampled through the real validators; ` +
        `${secs} s (${(checkedMs / 1000).toFixed(1)} s before the validators)`,
    );
    assert.ok(performance.now() - t0 < 60_000, `the fuzz test took ${secs} s; it must stay under a minute`);
  });
});
