/**
 * No `f(...list)` on lists a user controls the length of (issue 13, item 12): a call spreads every
 * element onto the stack and overflows somewhere past 100,000 (V8's limit depends on the frame),
 * so a big but legitimate input crashed with "Maximum call stack size exceeded". The lists are
 * scaled up directly here; building them through a file of that size would test the parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../server/src/engine.js';
import failoverImpossible from '../../server/src/checks/failover-impossible.js';
import { parseSshConfig, lookupSshConfig } from '../../server/src/deploy/ssh-config.js';
import { BASE } from '../helpers/markers.js';

const MANY = 200_000;

test('failover-impossible judges 200,000 backups (the best priority is found without spreading them)', () => {
  const text = BASE.replace('router-id 51', 'router-id 51; track script; track-weight 1')
    .replace('role primary', 'role primary; priority 101').replace('role backup', 'role backup; priority 100');
  const a = analyze(text, 't.halab');
  const [primary, backup] = [a.model.lbs.find((l) => l.role === 'primary')!, a.model.lbs.find((l) => l.role === 'backup')!];
  a.resolved.model.lbs = [primary, ...Array.from({ length: MANY }, (_, i) => ({ ...backup, priority: 1 + (i % 100) }))];
  const found: string[] = [];
  failoverImpossible.run!({ tree: a.tree, resolved: a.resolved, statements: [], report: (_s, m) => found.push(m) });
  assert.equal(found.length, 1);
  assert.match(found[0]!, /priorities 101\/100 and track-weight 1/, 'the best backup is 100');
});

test('an Include of an ssh config with 200,000 Host blocks is read whole', () => {
  const included = Array.from({ length: MANY }, (_, i) => `Host h${i}\n  User u${i}\n`).join('');
  const blocks = parseSshConfig('Include big.conf\n', () => [included]);
  assert.equal(lookupSshConfig(blocks, `h${MANY - 1}`, '/home/u').user, `u${MANY - 1}`);
});
