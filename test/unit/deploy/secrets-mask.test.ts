/**
 * Issue 13, items 1 and 3: no secret reaches what a plan shows — `deploy --plan`'s text, its
 * `--json` output (the editor's plan view shows the same DeployResult) and the progress events —
 * in any form the secret takes in a rendered file: raw, escaped for HAProxy (`\x20`), quoted and
 * octal-escaped for keepalived (`\042`), cut to keepalived's 8 auth_pass bytes. The plan runs
 * through `deployTopology({ plan: true })`, the function the CLI and the editor call, against fake
 * hosts that hold real rendered files (so the remote side holds the escaped secrets too).
 *
 * The forms each secret must not appear in are written out by hand below (what the templates
 * write), not computed by the code under test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, hasErrors } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { envSecrets, placeholderSecrets } from '../../../server/src/secrets.js';
import type { Topology } from '../../../shared/model/types.js';
import type { RenderedFile } from '../../../server/src/render/types.js';
import { deployTopology, formatPlan, formatSummary, formatEvent, type DeployEvent, type Remote } from '../../../server/src/deploy/index.js';
import { factsCommand } from '../../../server/src/deploy/remote-ops.js';
import { renderCommand } from '../../../server/src/deploy/shell-quote.js';
import type { HostTarget } from '../../../server/src/deploy/targets.js';
import { makeMasker, MASK } from '../../../server/src/deploy/secrets.js';
import { planHost, type RemoteFile } from '../../../server/src/deploy/plan.js';
import { recordingResolver } from '../../../server/src/deploy/index.js';
import { PROBE, secretDirectives } from '../../../server/src/deploy/secret-directives.js';
import { BLOCKS } from '../../../server/src/schema/schema.js';

const LAB = readFileSync(new URL('../../../examples/lab.halab', import.meta.url), 'utf8');

/** A secret and the texts it must never show up as (whole, or any window of `window` characters). */
interface Secret {
  value: string;
  /** The forms the rendered files hold, written out by hand. */
  written: string[];
}

const STATS_HORSE: Secret = { value: 'correct horse battery staple', written: ['correct\\x20horse\\x20battery\\x20staple'] };
// keepalived.conf: `&`, `#` and `$` need quotes; only the first 8 bytes are written (`Tr0ub4do`).
const VRRP_TROUB: Secret = { value: 'Tr0ub4dor&3#xyz$', written: ['Tr0ub4do'] };
// haproxy.cfg: `&` is a safe character, `#` and `$` are hex-escaped.
const STATS_TROUB: Secret = { value: 'Tr0ub4dor&3#xyz$', written: ['Tr0ub4dor&3\\x23xyz\\x24'] };
// keepalived.conf: the quote becomes `\042`; the 8 bytes written are `Q\0427xk`, the effective password `Q"7xk`.
const VRRP_QUOTE: Secret = { value: 'Q"7xkz', written: ['"Q\\0427xk"', 'Q\\0427xk'] };
// Old values still on the hosts (a rotated secret): the plan must not show them either, although
// nothing tells the deploy what they were.
const STATS_OLD: Secret = { value: 'old zebra quokka', written: ['old\\x20zebra\\x20quokka'] };
const VRRP_OLD: Secret = { value: 'Xy9"Old-vrrp', written: ['"Xy9\\042Ol"', 'Xy9\\042Ol'] };

const WINDOW = 5;

/**
 * Every text that would leak part of the secret: the whole forms, and each WINDOW-long slice of
 * them (but for slices with a backslash: `y\x20` is also in `HAProxy\x20Statistics`).
 */
function leakPatterns(s: Secret): string[] {
  const out = new Set<string>();
  for (const form of [s.value, ...s.written]) {
    out.add(form);
    for (let i = 0; i + WINDOW <= form.length; i++) if (!form.slice(i, i + WINDOW).includes('\\')) out.add(form.slice(i, i + WINDOW));
  }
  // JSON output writes `\` as `\\` and `"` as `\"`
  for (const p of [...out]) out.add(JSON.stringify(p).slice(1, -1));
  return [...out];
}

function assertNoLeak(what: string, text: string, secrets: Secret[]): void {
  for (const s of secrets) {
    for (const p of leakPatterns(s)) {
      const at = text.indexOf(p);
      const context = text.slice(Math.max(0, at - 200), at + 200);
      assert.equal(at, -1, `${what} shows ${JSON.stringify(p)} (part of the secret ${JSON.stringify(s.value)}):\n${context}`);
    }
  }
}

function model(text: string): Topology {
  const a = analyze(text, 'lab.halab');
  assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics));
  return a.model;
}

const env = (stats: Secret, vrrp: Secret) => envSecrets({ HALAB_STATS_PASSWORD: stats.value, HALAB_VRRP_AUTH: vrrp.value });

function renderFiles(m: Topology, stats: Secret, vrrp: Secret): RenderedFile[] {
  return render(m, { source: 'lab.halab', secrets: env(stats, vrrp) }).files;
}

function targetsOf(m: Topology): HostTarget[] {
  const base = { port: 22, user: 'root', identityFiles: [], knownHostsFiles: [], jumps: [], via: 'ssh' as const, managed: true };
  const at = (h: { name: string; address: string; os: HostTarget['os'] }) => //
    ({ name: h.name, address: h.address, host: h.address, hostKeyAlias: h.address, os: h.os });
  return [
    ...m.upstreams.map((u) => ({ ...base, ...at(u), role: 'upstream' as const })),
    ...m.lbs.map((l) => ({ ...base, ...at(l), role: 'lb' as const, lbRole: l.role })),
  ];
}

/** A host that answers deploy's facts query with the files it holds (a plan runs nothing else). */
function fakeHost(held: RenderedFile[], paths: string[]): Remote {
  const facts = renderCommand(factsCommand(paths));
  return {
    async exec(cmd) {
      if (renderCommand(cmd) !== facts) return { stdout: '', stderr: `fake host: unexpected command ${renderCommand(cmd)}`, code: 127 };
      let out = '@@os\nID=debian\nPRETTY_NAME="Fake debian"\n@@bin\nhaproxy\nkeepalived\nnginx\nkillall\nsysctl\nnft\n@@init\nsysv\n';
      paths.forEach((p, i) => {
        const f = held.find((h) => h.path === p);
        if (f) out += `@@file ${i + 1} ${f.mode.toString(8)} ${f.owner} ${f.group}\n${Buffer.from(f.content).toString('base64')}\n`;
      });
      return { stdout: out + '@@end\n', stderr: '', code: 0 };
    },
    async writeFile() {
      throw new Error('a plan must not write');
    },
    async rename() {
      throw new Error('a plan must not rename');
    },
    close() {},
  };
}

/**
 * `halab deploy --plan` for `text` with the given secrets, against hosts that hold `held` (real
 * rendered files). Returns everything the plan shows: the text, the JSON and the events.
 */
async function planOutputs(text: string, stats: Secret, vrrp: Secret, held: RenderedFile[]) {
  const m = model(text);
  const wanted = renderFiles(m, stats, vrrp);
  const events: DeployEvent[] = [];
  const result = await deployTopology(
    m,
    {
      secrets: env(stats, vrrp),
      source: 'lab.halab',
      plan: true,
      targets: targetsOf(m),
      connect: async (t) =>
        fakeHost(
          held.filter((f) => f.host === t.name),
          wanted.filter((f) => f.host === t.name).map((f) => f.path),
        ),
    },
    (e) => events.push(e),
  );
  assert.equal(result.ok, true, JSON.stringify(result.failure));
  return {
    result,
    text: formatPlan(result) + formatSummary(result),
    json: JSON.stringify(result, null, 2),
    events: events.map((e) => formatEvent(e) ?? '').join('\n') + JSON.stringify(events),
  };
}

/** The lab topology with a different stats realm and advert: lines right next to both secrets differ. */
const LAB_BEFORE = LAB.replace('  listen 8080\n', '  listen 8080\n  realm "Old realm"\n') //
  .replace('  router-id 51\n', '  router-id 51\n  advert 2s\n');

function assertPlanHidesSecrets(out: Awaited<ReturnType<typeof planOutputs>>, secrets: Secret[]) {
  assertNoLeak('the plan (text)', out.text, secrets);
  assertNoLeak('the plan (--json)', out.json, secrets);
  assertNoLeak('the events', out.events, secrets);
}

describe('the plan never shows a secret, in any form', () => {
  it('the test itself: the hosts really hold every form the test looks for', () => {
    const files = renderFiles(model(LAB), STATS_HORSE, VRRP_TROUB).concat(renderFiles(model(LAB), STATS_TROUB, VRRP_QUOTE));
    const all = files.map((f) => f.content).join('\n');
    for (const s of [STATS_HORSE, VRRP_TROUB, STATS_TROUB, VRRP_QUOTE]) {
      for (const w of s.written) assert.ok(all.includes(w), `rendered files hold ${w}`);
    }
  });

  it('a stats password with spaces (haproxy writes \\x20) and a long VRRP password (keepalived keeps 8)', async () => {
    const held = renderFiles(model(LAB_BEFORE), STATS_HORSE, VRRP_TROUB);
    const out = await planOutputs(LAB, STATS_HORSE, VRRP_TROUB, held);
    // the secret lines are inside the diffs' context, so the test does look at them
    assert.match(out.text, /stats realm/);
    assert.match(out.text, /auth_type PASS/);
    assertPlanHidesSecrets(out, [STATS_HORSE, VRRP_TROUB]);
  });

  it('`Tr0ub4dor&3#xyz$` as the stats password, and a VRRP password with a quote', async () => {
    const held = renderFiles(model(LAB_BEFORE), STATS_TROUB, VRRP_QUOTE);
    const out = await planOutputs(LAB, STATS_TROUB, VRRP_QUOTE, held);
    assert.match(out.text, /stats realm/);
    assertPlanHidesSecrets(out, [STATS_TROUB, VRRP_QUOTE]);
  });

  it('new files (nothing on the hosts yet): the whole rendered file is shown, without its secrets', async () => {
    const out = await planOutputs(LAB, STATS_HORSE, VRRP_QUOTE, []);
    assert.match(out.text, /stats auth admin:/);
    assert.match(out.text, /auth_pass /);
    assertPlanHidesSecrets(out, [STATS_HORSE, VRRP_QUOTE]);
  });

  it('old secrets still on the hosts (rotated passwords) are not shown either', async () => {
    const held = renderFiles(model(LAB_BEFORE), STATS_OLD, VRRP_OLD);
    const out = await planOutputs(LAB, STATS_HORSE, VRRP_TROUB, held);
    assertPlanHidesSecrets(out, [STATS_OLD, VRRP_OLD, STATS_HORSE, VRRP_TROUB]);
  });

  it('a rotated secret: deploy --plan shows the line changing, new side `<env:NAME>`, old side masked', async () => {
    const held = renderFiles(model(LAB_BEFORE), STATS_OLD, VRRP_OLD);
    const out = await planOutputs(LAB, STATS_HORSE, VRRP_TROUB, held);
    assert.match(out.text, /^\+\s+stats auth admin:<env:HALAB_STATS_PASSWORD>$/m);
    assert.match(out.text, /^-\s+stats auth admin:\*{8}$/m);
    assert.match(out.text, /^\+\s+auth_pass "?<env:HALAB_VRRP_AUTH>"?$/m);
  });

  it('a secret line that did not change does not show up as a change', async () => {
    const held = renderFiles(model(LAB_BEFORE), STATS_HORSE, VRRP_TROUB);
    const out = await planOutputs(LAB, STATS_HORSE, VRRP_TROUB, held);
    assert.doesNotMatch(out.text, /^[-+]\s+stats auth /m);
    assert.doesNotMatch(out.text, /^[-+]\s+auth_pass /m);
  });
});

/**
 * The plan as it is meant to be wired (see the report/docs): the new side is the file rendered
 * with placeholder secrets, so the diff can say that a secret line changes without showing it.
 */
function planWithPlaceholders(text: string, stats: Secret, vrrp: Secret, held: RenderedFile[]): string {
  const m = model(text);
  const values = new Set<string>();
  const files = render(m, { source: 'lab.halab', secrets: recordingResolver(env(stats, vrrp), values) }).files;
  const placeholders = render(m, { source: 'lab.halab', secrets: placeholderSecrets, preview: true }).files;
  const mask = makeMasker(values);
  const diffs: string[] = [];
  for (const lb of m.lbs) {
    const remote = new Map<string, RemoteFile>(held.filter((f) => f.host === lb.name).map((f) => [f.path, f]));
    const plan = planHost(lb.name, files.filter((f) => f.host === lb.name), remote, mask, placeholders);
    diffs.push(...plan.files.map((f) => f.diff));
  }
  return diffs.join('\n');
}

describe('the plan with placeholder-rendered files as its new side', () => {
  it('shows where each secret comes from, never its value', () => {
    const diff = planWithPlaceholders(LAB, STATS_HORSE, VRRP_QUOTE, []);
    assert.match(diff, /^\+ {4}stats auth admin:<env:HALAB_STATS_PASSWORD>$/m);
    assert.match(diff, /^\+ {8}auth_pass "<env:HALAB_VRRP_AUTH>"$/m);
    assertNoLeak('the plan', diff, [STATS_HORSE, VRRP_QUOTE]);
  });

  it('an unchanged secret line is no change; a rotated one is, without either value', () => {
    const same = planWithPlaceholders(LAB, STATS_HORSE, VRRP_TROUB, renderFiles(model(LAB_BEFORE), STATS_HORSE, VRRP_TROUB));
    assert.match(same, /^ {5}stats auth admin:<env:HALAB_STATS_PASSWORD>$/m);
    assert.doesNotMatch(same, /^[-+]\s+(stats auth|auth_pass) /m);
    assertNoLeak('the plan', same, [STATS_HORSE, VRRP_TROUB]);

    const rotated = planWithPlaceholders(LAB, STATS_HORSE, VRRP_TROUB, renderFiles(model(LAB_BEFORE), STATS_OLD, VRRP_OLD));
    assert.ok(rotated.includes(`\n-    stats auth admin:${MASK}\n`), rotated);
    assert.ok(rotated.includes(`\n-        auth_pass ${MASK}\n`), rotated);
    assert.match(rotated, /^\+ {4}stats auth admin:<env:HALAB_STATS_PASSWORD>$/m);
    assertNoLeak('the plan', rotated, [STATS_HORSE, VRRP_TROUB, STATS_OLD, VRRP_OLD]);
  });

  it('an old password next to another stats user is still masked', () => {
    const before = LAB_BEFORE.replace('  listen 8080\n', '  listen 8080\n  user operator\n');
    const diff = planWithPlaceholders(LAB, STATS_HORSE, VRRP_TROUB, renderFiles(model(before), STATS_OLD, VRRP_OLD));
    assert.ok(diff.includes(`\n-    stats auth ${MASK}\n`), diff);
    assertNoLeak('the plan', diff, [STATS_OLD, VRRP_OLD]);
  });
});

describe('a secret the host still holds where the new file has none', () => {
  it('the probe topology uses every secret keyword of the schema, and finds a directive for each', () => {
    const secretKeywords = Object.values(BLOCKS)
      .flatMap((b) => b.keywords)
      .filter((k) => k.args.some((a) => a.type === 'secret'))
      .map((k) => k.keyword);
    assert.ok(secretKeywords.length >= 2, 'the schema has secret keywords');
    for (const k of secretKeywords) assert.match(PROBE, new RegExp(`\\b${k} env:PROBE\\b`), `PROBE uses ${k}`);
    const sources = secretDirectives().map((re) => re.source);
    assert.ok(sources.length >= secretKeywords.length, sources.join(' '));
    assert.ok(secretDirectives().some((re) => re.test('    stats auth admin:x')), sources.join(' '));
    assert.ok(secretDirectives().some((re) => re.test('        auth_pass "x"')), sources.join(' '));
  });

  it('stats and auth removed from the file: the old passwords on the hosts are not shown', async () => {
    const without = LAB.replace(/\nstats \{[^}]*\}\n/, '\n').replace('  auth env:HALAB_VRRP_AUTH\n', '');
    assert.doesNotMatch(without, /password|auth env/);
    const held = renderFiles(model(LAB_BEFORE), STATS_OLD, VRRP_OLD);
    const out = await planOutputs(without, STATS_HORSE, VRRP_TROUB, held);
    // the removed lines are in the diff, masked
    assert.ok(out.text.includes(`\n-    stats auth admin:${MASK}\n`) || out.text.includes(`\n-    stats auth ${MASK}\n`), out.text);
    assert.ok(out.text.includes(`\n-        auth_pass ${MASK}\n`), out.text);
    assertPlanHidesSecrets(out, [STATS_OLD, VRRP_OLD]);
  });
});

describe('error and progress messages hide every form of a secret', () => {
  // What a validator or a remote shell may print: the config line as written in the file.
  const mask = makeMasker([STATS_HORSE.value, VRRP_QUOTE.value, STATS_TROUB.value]);
  const cases = [
    `[ALERT] parsing [/etc/haproxy/.haproxy.cfg.halab-new:99]: 'stats auth admin:${STATS_HORSE.written[0]}' is invalid`,
    `keepalived: line 40: auth_pass ${VRRP_QUOTE.written[0]}`,
    `stats auth admin:${STATS_TROUB.written[0]}`,
    `sh: 1: ${STATS_HORSE.value}: not found`,
    `secret ${JSON.stringify(VRRP_QUOTE.value)}`,
  ];
  for (const c of cases) {
    it(c, () => assertNoLeak('the message', mask(c), [STATS_HORSE, VRRP_QUOTE, STATS_TROUB]));
  }
});
