/**
 * Property test: any sequence of intents the diagram can send, applied to the example files,
 * keeps every comment, never introduces a syntax error, and has the effect it names on the model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { analyze } from '../../../server/src/engine.js';
import { applyEdits, intentEdits, EditError } from '../../../server/src/edit/intents.js';
import { BALANCES, type Intent } from '../../../shared/protocol/webview.js';

const FILES = ['seed-lab.halab', 'lab.halab'].map((f) => readFileSync(new URL(`../../../examples/${f}`, import.meta.url), 'utf8'));

/** An intent "template": choices are indices resolved against the current model at apply time. */
const step = fc.record({
  op: fc.constantFrom('addLb', 'addUpstream', 'addSite', 'connect', 'disconnect', 'remove', 'rename', 'setRole', 'setBalance', 'setPort',
    'setListen'),
  a: fc.nat(20),
  b: fc.nat(20),
  n: fc.integer({ min: 1, max: 65535 }),
});

function resolveStep(text: string, s: { op: string; a: number; b: number; n: number }, serial: number): Intent | null {
  const m = analyze(text).model;
  const pick = <T,>(xs: T[], i: number) => (xs.length ? xs[i % xs.length] : undefined);
  const lb = pick(m.lbs, s.a);
  const up = pick(m.upstreams, s.b);
  const site = pick(m.sites, s.a);
  const kinds = ['lb', 'upstream', 'site'] as const;
  const kind = kinds[s.b % 3];
  const named = kind === 'lb' ? lb?.name : kind === 'upstream' ? up?.name : site?.name;
  switch (s.op) {
    case 'addLb': return { op: 'addLb', name: `nlb${serial}`, address: `198.19.${serial % 250}.${(s.n % 250) + 1}`, role: 'backup' };
    case 'addUpstream': return { op: 'addUpstream', name: `nup${serial}`, address: `198.19.${serial % 250}.${(s.n % 250) + 1}`,
      ...(s.a % 2 ? { port: s.n } : {}) };
    case 'addSite': return { op: 'addSite', name: `nsite${serial}`, host: `n${serial}.example.test`, servers: up ? [up.name] : [] };
    case 'connect': return site && up && !site.servers.includes(up.name) ? { op: 'connect', site: site.name, upstream: up.name } : null;
    case 'disconnect': {
      const u = site && pick(site.servers, s.b);
      return site && u ? { op: 'disconnect', site: site.name, upstream: u } : null;
    }
    case 'remove': return named ? { op: 'remove', kind, name: named } : null;
    case 'rename': return named ? { op: 'rename', kind, from: named, to: `r${serial}` } : null;
    case 'setRole': return lb ? { op: 'setRole', lb: lb.name, role: s.b % 2 ? 'primary' : 'backup' } : null;
    case 'setBalance': return site ? { op: 'setBalance', site: site.name, balance: BALANCES[s.b % BALANCES.length] } : null;
    case 'setPort': return up ? { op: 'setPort', upstream: up.name, port: s.n } : null;
    case 'setListen': return site ? { op: 'setListen', site: site.name, port: s.n } : null;
  }
  return null;
}

function checkEffect(intent: Intent, text: string): void {
  const m = analyze(text).model;
  const site = (n: string) => m.sites.find((x) => x.name === n);
  switch (intent.op) {
    case 'addLb': assert.ok(m.lbs.some((l) => l.name === intent.name && l.address === intent.address)); break;
    case 'addUpstream': assert.ok(m.upstreams.some((u) => u.name === intent.name && u.port === (intent.port ?? 80))); break;
    case 'addSite': assert.deepEqual(site(intent.name)?.servers, intent.servers); break;
    case 'connect': assert.ok(site(intent.site)?.servers.includes(intent.upstream)); break;
    case 'disconnect': assert.ok(!site(intent.site)?.servers.includes(intent.upstream)); break;
    case 'remove': {
      const list = intent.kind === 'lb' ? m.lbs : intent.kind === 'upstream' ? m.upstreams : m.sites;
      assert.ok(!list.some((x) => x.name === intent.name));
      if (intent.kind === 'upstream') assert.ok(m.sites.every((s) => !s.servers.includes(intent.name)));
      break;
    }
    case 'rename': {
      const list = intent.kind === 'lb' ? m.lbs : intent.kind === 'upstream' ? m.upstreams : m.sites;
      assert.ok(list.some((x) => x.name === intent.to) && !list.some((x) => x.name === intent.from));
      if (intent.kind === 'upstream') assert.ok(m.sites.every((s) => !s.servers.includes(intent.from)));
      break;
    }
    case 'setRole': {
      assert.equal(m.lbs.find((l) => l.name === intent.lb)?.role, intent.role);
      if (intent.role === 'primary') assert.equal(m.lbs.filter((l) => l.role === 'primary').length, 1);
      break;
    }
    case 'setBalance': assert.equal(site(intent.site)?.balance, intent.balance); break;
    case 'setPort': assert.equal(m.upstreams.find((u) => u.name === intent.upstream)?.port, intent.port); break;
    case 'setListen': assert.equal(site(intent.site)?.listen, intent.port); break;
  }
}

test('random intent sequences keep comments and syntax, and do what they say', () => {
  fc.assert(
    fc.property(fc.constantFrom(...FILES), fc.array(step, { maxLength: 12 }), (start, steps) => {
      const comments = analyze(start).tree.comments.map((c) => c.text);
      let text = start;
      steps.forEach((s, k) => {
        const intent = resolveStep(text, s, k);
        if (!intent) return;
        let edits;
        try {
          edits = intentEdits(analyze(text).tree, intent);
        } catch (e) {
          // Refusals are fine (e.g. a rename to a name already taken); crashes are not.
          if (e instanceof EditError) return;
          throw e;
        }
        text = applyEdits(text, edits);
        const tree = analyze(text).tree;
        assert.deepEqual(tree.errors, [], `${JSON.stringify(intent)} broke the syntax:\n${text}`);
        // (A removed statement would take a same-line trailing comment with it; in these files no
        // lb, upstream, site or servers line carries one, so every comment must stay.)
        assert.deepEqual(tree.comments.map((c) => c.text), comments);
        checkEffect(intent, text);
      });
    }),
    { numRuns: 300 },
  );
});
