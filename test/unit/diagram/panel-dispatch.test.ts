/**
 * The topology panel's one dispatcher (dispatchPanelMessage): whatever the host, every request
 * gets exactly one answer, and a host action that fails becomes an `error`, not an exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dispatchPanelMessage, localSnapshot, type PanelHost } from '../../../server/src/diagram/host-core.js';
import { applyEdits } from '../../../server/src/edit/intents.js';
import { analyze } from '../../../server/src/engine.js';
import type { HostMessage } from '../../../shared/protocol/webview.js';

const SEED = readFileSync(new URL('../../../examples/seed-lab.halab', import.meta.url), 'utf8');

function stubHost(fail?: keyof PanelHost) {
  const doc = { text: SEED, version: 1 };
  const sent: HostMessage[] = [];
  const boom = async () => {
    throw new Error('host failed');
  };
  const host: PanelHost = {
    document: () => ({ ...doc }),
    post: (m) => void sent.push(m),
    pushSnapshot: async () => void sent.push({ type: 'snapshot', ...localSnapshot(doc.text, doc.version) }),
    snapshot: () => localSnapshot(doc.text, doc.version),
    model: () => analyze(doc.text).model,
    applyEdits: async (edits) => {
      doc.text = applyEdits(doc.text, edits);
      doc.version++;
    },
    reveal: async () => {},
    savePositions: async () => {},
    exportPicture: async () => true,
    refreshOverlay: async () => {},
  };
  if (fail) Object.assign(host, { [fail]: boom });
  return { host, sent, doc };
}

const answers = (sent: HostMessage[]) => sent.filter((m) => m.type === 'ack' || m.type === 'error' || m.type === 'reject');

const REQUESTS = [
  { type: 'ready', requestId: 'r1' },
  { type: 'intent', requestId: 'r2', revision: 1, intent: { op: 'setPort', upstream: 'upstream01', port: 8080 } },
  { type: 'reveal', requestId: 'r3', nodeId: 'site:web01' },
  { type: 'savePositions', requestId: 'r4', positions: { 'lb:haproxy01': { x: 1, y: 2 } } },
  { type: 'export', requestId: 'r5', format: 'svg', data: '<svg/>' },
  { type: 'refreshOverlay', requestId: 'r6' },
];

test('each request gets one answer; an applied intent acks the new version', async () => {
  for (const raw of REQUESTS) {
    const { host, sent } = stubHost();
    await dispatchPanelMessage(raw, host);
    const a = answers(sent);
    assert.equal(a.length, 1, raw.type);
    assert.equal(a[0]!.type, 'ack', raw.type);
    if (raw.type === 'intent') assert.deepEqual(a[0], { type: 'ack', requestId: 'r2', revision: 2 });
  }
});

test('a failing host action, an unknown node, a stale revision and a malformed message are answered too', async () => {
  const failing: [unknown, keyof PanelHost][] = [
    [REQUESTS[1], 'applyEdits'], [REQUESTS[2], 'reveal'], [REQUESTS[3], 'savePositions'], [REQUESTS[4], 'exportPicture'],
    [REQUESTS[5], 'refreshOverlay'],
  ];
  for (const [raw, action] of failing) {
    const { host, sent } = stubHost(action);
    await dispatchPanelMessage(raw, host);
    assert.deepEqual(answers(sent).map((m) => m.type), ['error'], action);
  }
  const cases: [unknown, string][] = [
    [{ type: 'reveal', requestId: 'x', nodeId: 'site:nope' }, 'error'],
    [{ ...REQUESTS[1], revision: 7 }, 'reject'],
    [{ type: 'intent', requestId: 'y' }, 'error'],
  ];
  for (const [raw, type] of cases) {
    const { host, sent, doc } = stubHost();
    await dispatchPanelMessage(raw, host);
    assert.deepEqual(answers(sent).map((m) => m.type), [type]);
    assert.equal(doc.text, SEED, 'nothing changed');
  }
});
