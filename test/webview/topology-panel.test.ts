/**
 * The topology panel in headless Chromium, against a fake host that speaks the real protocol
 * with the real engine. Expected texts are written out by hand; screenshots go to
 * test-output/webview/ for a human to look at.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launch, openPanel, waitForRevision, OUT, type Session } from './harness.js';
import { benchTopology } from '../helpers/bench-topology.js';

const SEED = readFileSync(new URL('../../examples/seed-lab.halab', import.meta.url), 'utf8');
const LAB = readFileSync(new URL('../../examples/lab.halab', import.meta.url), 'utf8');

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function withPanel(text: string, f: (s: Session) => Promise<void>): Promise<void> {
  const s = await openPanel(browser, text);
  try {
    await waitForRevision(s);
    await f(s);
    assert.deepEqual(s.problems, [], 'console errors / CSP violations in the page');
    assert.deepEqual(s.foreign, [], 'the page loaded something that is not local');
  } finally {
    await s.close();
  }
}

const node = (s: Session, id: string) => s.page.locator(`.react-flow__node[data-id="${id}"]`);
const shot = (s: Session, name: string) => s.page.screenshot({ path: join(OUT, `${name}.png`) });

/** Same place on screen (sub-pixel differences from transforms do not count). */
function assertSameBox(a: { x: number; y: number }, b: { x: number; y: number }): void {
  assert.ok(Math.abs(a.x - b.x) < 1 && Math.abs(a.y - b.y) < 1, `moved: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

/** Replace each `from` (which must occur exactly once) in `text`. */
function replaced(text: string, ...pairs: [string, string][]): string {
  for (const [from, to] of pairs) {
    assert.equal(text.split(from).length, 2, `"${from}" must occur once`);
    text = text.replace(from, to);
  }
  return text;
}

/** Run a UI action and wait for the host to apply exactly one intent and the page to redraw it. */
async function expectEdit(s: Session, action: () => Promise<void>, expected: string): Promise<void> {
  const v = s.host.version;
  await action();
  try {
    await s.page.waitForFunction(
      (r) => (window as unknown as { __halab: { renderedRevision: number } }).__halab.renderedRevision > r,
      v,
      { timeout: 10_000 },
    );
  } catch (e) {
    await shot(s, 'failed-edit');
    throw new Error(`no edit applied; last host messages: ${JSON.stringify(
      s.host.sent.slice(-2).map((m) => ('snapshot' in m || m.type === 'snapshot' ? m.type : m)),
    )}\n${String(e)}`);
  }
  assert.equal(s.host.text, expected);
  await waitForRevision(s);
}

test('the seed topology draws the right nodes and edges', async () => {
  await withPanel(SEED, async (s) => {
    const ids = await s.page.locator('.react-flow__node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')).sort());
    assert.deepEqual(ids, [
      'clients', 'lb:haproxy01', 'lb:haproxy02', 'site:web01', 'site:web02',
      'upstream:upstream01', 'upstream:upstream02', 'vip:192.168.56.100',
    ]);
    const edges = await s.page.locator('.react-flow__edge').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')).sort());
    assert.deepEqual(edges, [
      '192.168.56.100->haproxy01', '192.168.56.100->haproxy02',
      'client->192.168.56.100',
      'haproxy01->web01', 'haproxy01->web02', 'haproxy02->web01', 'haproxy02->web02',
      'vrrp:haproxy01<->haproxy02',
      'web01->upstream01', 'web01->upstream02', 'web02->upstream01', 'web02->upstream02',
    ]);
    assert.match(await node(s, 'lb:haproxy01').innerText(), /haproxy01[\s\S]*primary · priority 101[\s\S]*192\.168\.56\.101/);
    assert.match(await node(s, 'lb:haproxy02').innerText(), /backup · priority 100/);
    assert.match(await node(s, 'site:web02').innerText(), /web02-192-168-56-100\.nip\.io[\s\S]*balance roundrobin/);
    assert.match(await node(s, 'upstream:upstream01').innerText(), /192\.168\.56\.103:80[\s\S]*weight 100/);
    assert.equal(await s.page.locator('.react-flow__edge[data-id="vrrp:haproxy01<->haproxy02"] .react-flow__edge-text').textContent(),
      'VRRP router-id 255');
    // Layout reads left to right along the chain.
    const x = async (id: string) => (await node(s, id).boundingBox())!.x;
    assert.ok((await x('clients')) < (await x('vip:192.168.56.100')));
    assert.ok((await x('vip:192.168.56.100')) < (await x('lb:haproxy01')));
    assert.ok((await x('lb:haproxy01')) < (await x('site:web01')));
    assert.ok((await x('site:web01')) < (await x('upstream:upstream01')));
    // Opening the panel never writes: no edit, no sidecar.
    assert.equal(s.host.text, SEED);
    assert.equal(s.host.history.length, 0);
    assert.equal(s.host.savedLayouts.length, 0);
    await shot(s, 'seed');
  });
});

test('each editing intent from the UI produces the expected text edit', async () => {
  await withPanel(SEED, async (s) => {
    const p = s.page;
    let want = SEED;

    // add upstream (toolbar + side form; the suggested address is the next free one)
    want = replaced(want, [
      'upstream upstream02 { address 192.168.56.104 }\n',
      'upstream upstream02 { address 192.168.56.104 }\nupstream upstream3 { address 192.168.56.105 }\n',
    ]);
    await expectEdit(s, async () => {
      await p.click('button[name="add-upstream"]');
      assert.equal(await p.inputValue('[data-form="add-upstream"] input[name="address"]'), '192.168.56.105');
      await p.fill('[data-form="add-upstream"] input[name="name"]', 'upstream3');
      await p.click('[data-form="add-upstream"] button[name="add"]');
    }, want);
    await node(s, 'upstream:upstream3').waitFor();

    // connect: drag from the site's right handle to the upstream's left handle
    want = replaced(want, [
      'web01-192-168-56-100.nip.io\n  servers upstream01 upstream02\n',
      'web01-192-168-56-100.nip.io\n  servers upstream01 upstream02 upstream3\n',
    ]);
    await expectEdit(s, async () => {
      const from = (await node(s, 'site:web01').locator('.react-flow__handle[data-handleid="out"]').boundingBox())!;
      const to = (await node(s, 'upstream:upstream3').locator('.react-flow__handle[data-handleid="in"]').boundingBox())!;
      await p.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await p.mouse.down();
      await p.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 10 });
      await p.mouse.up();
    }, want);
    await p.locator('.react-flow__edge[data-id="web01->upstream3"]').waitFor();

    // disconnect from the side form
    want = replaced(want, [
      'web02-192-168-56-100.nip.io\n  servers upstream01 upstream02\n',
      'web02-192-168-56-100.nip.io\n  servers upstream02\n',
    ]);
    await expectEdit(s, async () => {
      await node(s, 'site:web02').click();
      await p.click('[data-form="site:web02"] button[name="disconnect-upstream01"]');
    }, want);

    // balance (side form select)
    want = replaced(want, ['  page "WEB 02 - TEST PAGE"\n', '  page "WEB 02 - TEST PAGE"\n  balance leastconn\n']);
    await expectEdit(s, async () => void (await p.selectOption('[data-form="site:web02"] select[name="balance"]', 'leastconn')), want);

    // port on an upstream
    want = replaced(want, ['upstream upstream01 { address 192.168.56.103 }', 'upstream upstream01 { address 192.168.56.103; port 8080 }']);
    await expectEdit(s, async () => {
      await node(s, 'upstream:upstream01').click();
      await p.fill('[data-form="upstream:upstream01"] input[name="port"]', '8080');
      await p.click('[data-form="upstream:upstream01"] button[name="set-port"]');
    }, want);
    assert.match(await node(s, 'upstream:upstream01').innerText(), /192\.168\.56\.103:8080/);

    // role: make the backup primary (roles and explicit priorities swap)
    want = replaced(
      want,
      ['lb haproxy01 { address 192.168.56.101; role primary; priority 101 }',
        'lb haproxy01 { address 192.168.56.101; role backup; priority 100 }'],
      ['lb haproxy02 { address 192.168.56.102; role backup; priority 100 }',
        'lb haproxy02 { address 192.168.56.102; role primary; priority 101 }'],
    );
    await expectEdit(s, async () => {
      await node(s, 'lb:haproxy02').click();
      await p.selectOption('[data-form="lb:haproxy02"] select[name="role"]', 'primary');
    }, want);
    assert.match(await node(s, 'lb:haproxy02').innerText(), /primary · priority 101/);

    // rename an upstream: statement and every reference
    const before = (await node(s, 'upstream:upstream3').boundingBox())!;
    want = want.replaceAll('upstream3', 'web-c');
    await expectEdit(s, async () => {
      await node(s, 'upstream:upstream3').click();
      await p.fill('[data-form="upstream:upstream3"] input[name="name"]', 'web-c');
      await p.click('[data-form="upstream:upstream3"] button[name="rename"]');
    }, want);
    const afterBox = (await node(s, 'upstream:web-c').boundingBox())!;
    assert.deepEqual([afterBox.x, afterBox.y], [before.x, before.y], 'a renamed node keeps its place');

    // add lb and add site
    want = replaced(want, ['priority 101 }\n', 'priority 101 }\nlb lb1 { address 192.168.56.110; role backup; priority 99 }\n']);
    await expectEdit(s, async () => {
      await p.click('button[name="add-lb"]');
      await p.fill('[data-form="add-lb"] input[name="address"]', '192.168.56.110');
      await p.click('[data-form="add-lb"] button[name="add"]');
    }, want);
    want = replaced(want, [
      '  balance leastconn\n}\n',
      '  balance leastconn\n}\n\nsite site1 {\n  host shop.example.test\n  servers upstream01 upstream02 web-c\n}\n',
    ]);
    await expectEdit(s, async () => {
      await p.click('button[name="add-site"]');
      await p.fill('[data-form="add-site"] input[name="host"]', 'shop.example.test');
      await p.click('[data-form="add-site"] button[name="add"]');
    }, want);
    await shot(s, 'edited');

    // remove a node with the Delete key: the upstream and its references go
    want = replaced(
      want,
      ['upstream web-c { address 192.168.56.105 }\n', ''],
      ['servers upstream01 upstream02 web-c\n  page', 'servers upstream01 upstream02\n  page'],
      ['servers upstream01 upstream02 web-c\n}', 'servers upstream01 upstream02\n}'],
    );
    await expectEdit(s, async () => {
      await node(s, 'upstream:web-c').click();
      await p.keyboard.press('Delete');
    }, want);
    assert.equal(await node(s, 'upstream:web-c').count(), 0);

    // remove a link with the Delete key
    want = replaced(want, ['  servers upstream01 upstream02\n}', '  servers upstream02\n}']);
    await expectEdit(s, async () => {
      await p.locator('.react-flow__edge[data-id="site1->upstream01"]').click({ force: true });
      await p.keyboard.press('Delete');
    }, want);

    // remove from the side form
    want = replaced(want, ['lb lb1 { address 192.168.56.110; role backup; priority 99 }\n', '']);
    await expectEdit(s, async () => {
      await node(s, 'lb:lb1').click();
      await p.click('[data-form="lb:lb1"] button[name="remove"]');
    }, want);

    // the comments of the file all survived
    assert.equal(s.host.text.split('#').length, SEED.split('#').length);
    assert.equal(s.host.history.length, 12);
  });
});

test('a refused intent shows its reason and changes nothing', async () => {
  await withPanel(SEED, async (s) => {
    await node(s, 'upstream:upstream01').click();
    await s.page.fill('[data-form="upstream:upstream01"] input[name="name"]', 'haproxy01');
    await s.page.click('[data-form="upstream:upstream01"] button[name="rename"]');
    await s.page.locator('.hl-status-error').waitFor();
    assert.match(await s.page.locator('.hl-status-error').innerText(), /rename refused: the name "haproxy01" is already used/);
    assert.equal(s.host.text, SEED);
  });
});

test('a text change updates the diagram and keeps positions', async () => {
  await withPanel(LAB, async (s) => {
    const box = async (id: string) => (await node(s, id).boundingBox())!;
    // The user moves lb2 down: that (and only that) writes the sidecar.
    const b = await box('lb:lb2');
    await s.page.mouse.move(b.x + 60, b.y + 10);
    await s.page.mouse.down();
    await s.page.mouse.move(b.x + 60, b.y + 130, { steps: 8 });
    await s.page.mouse.up();
    await s.page.waitForFunction(() => true);
    for (let i = 0; i < 50 && !s.host.savedLayouts.length; i++) await s.page.waitForTimeout(20);
    assert.equal(s.host.savedLayouts.length, 1);
    assert.deepEqual(Object.keys(s.host.savedLayouts[0]), ['lb:lb2']);
    const moved = await box('lb:lb2');
    const web1 = await box('upstream:web1');

    // A value change: same structure, nothing moves, the text shows.
    await s.host.setText(LAB.replace('lb lb2 { address 198.18.0.12;', 'lb lb2 { address 198.18.0.13;'));
    await waitForRevision(s);
    assert.match(await node(s, 'lb:lb2').innerText(), /198\.18\.0\.13/);
    assertSameBox(await box('lb:lb2'), moved);
    assertSameBox(await box('upstream:web1'), web1);

    // A structural change: a new upstream appears; the moved node stays where the user put it.
    await s.host.setText(s.host.text.replace('upstream web2 { address 198.18.0.22; os debian }',
      'upstream web2 { address 198.18.0.22; os debian }\nupstream web3 { address 198.18.0.23 }'));
    await waitForRevision(s);
    await node(s, 'upstream:web3').waitFor();
    assertSameBox(await box('lb:lb2'), moved);
    assert.match(await node(s, 'upstream:web3').innerText(), /198\.18\.0\.23:80/);

    // A broken reference shows on the site that holds it.
    await s.host.setText(s.host.text.replace('servers web1 web2\n  page "WEB 02', 'servers web1 nosuch\n  page "WEB 02'));
    await waitForRevision(s);
    assert.match((await node(s, 'site:web02').locator('.hl-diag').getAttribute('data-diagnostics')) ?? '', /unknown-reference/);
    assert.ok(await node(s, 'site:web02').locator('.hl-node.sev-error').count());
    await shot(s, 'text-change');
    assert.equal(s.host.savedLayouts.length, 1, 'text changes never write the sidecar');
  });
});

test('the sidecar positions are used when the panel opens', async () => {
  const s = await openPanel(browser, SEED);
  try {
    s.host.layout = { version: 1, positions: { 'lb:haproxy02': { x: 2000, y: 2000 } } };
    await waitForRevision(s);
    // first snapshot went out before the layout was set: push one that carries it
    await s.host.setText(SEED);
    await waitForRevision(s);
    const a = (await node(s, 'lb:haproxy01').boundingBox())!;
    const b = (await node(s, 'lb:haproxy02').boundingBox())!;
    assert.ok(b.y - a.y > 200 || b.x - a.x > 200, `haproxy02 should sit far from haproxy01: ${JSON.stringify([a, b])}`);
  } finally {
    await s.close();
  }
});

test('clicking a node asks to reveal its statement; the cursor highlights a node', async () => {
  await withPanel(SEED, async (s) => {
    await node(s, 'lb:haproxy02').click();
    for (let i = 0; i < 50 && !s.host.reveals.length; i++) await s.page.waitForTimeout(20);
    assert.deepEqual(s.host.reveals,
      [{ nodeId: 'lb:haproxy02', text: 'lb haproxy02 { address 192.168.56.102; role backup; priority 100 }' }]);
    await s.page.evaluate(() => window.postMessage({ type: 'highlight', nodeId: 'site:web01' }, '*'));
    await node(s, 'site:web01').locator('.hl-highlight').waitFor();
    assert.equal(await s.page.locator('.hl-highlight').count(), 1);
  });
});

test('the overlay draws VIP holder, keepalived state and server UP/DOWN', async () => {
  await withPanel(SEED, async (s) => {
    await s.page.evaluate(() =>
      window.postMessage(
        {
          type: 'overlay',
          overlay: {
            at: '2026-01-01T00:00:00Z',
            lbs: { haproxy01: { state: 'FAULT', holdsVips: [] }, haproxy02: { state: 'MASTER', holdsVips: ['192.168.56.100'] } },
            servers: { web01: { upstream01: 'UP', upstream02: 'DOWN' }, web02: { upstream01: 'UP', upstream02: 'DOWN' } },
          },
        },
        '*',
      ),
    );
    await node(s, 'lb:haproxy02').locator('.hl-badge').waitFor();
    assert.equal(await node(s, 'lb:haproxy02').locator('.hl-badge').innerText(), 'MASTER ● VIP');
    assert.equal(await node(s, 'lb:haproxy01').locator('.hl-badge').innerText(), 'FAULT');
    assert.equal(await node(s, 'upstream:upstream01').locator('.hl-badge').innerText(), 'UP');
    assert.equal(await node(s, 'upstream:upstream02').locator('.hl-badge').innerText(), 'DOWN');
    await shot(s, 'overlay');
  });
});

test('export SVG and PNG', async () => {
  await withPanel(SEED, async (s) => {
    await s.page.click('button[name="export-svg"]');
    await s.page.click('button[name="export-png"]');
    for (let i = 0; i < 100 && s.host.exports.length < 2; i++) await s.page.waitForTimeout(20);
    const svg = s.host.exports.find((e) => e.format === 'svg')!;
    const png = s.host.exports.find((e) => e.format === 'png')!;
    assert.match(svg.data, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((svg.data.match(/<g data-id=/g) ?? []).length, 8);
    writeFileSync(join(OUT, 'export.svg'), svg.data);
    const bytes = Buffer.from(png.data.slice('data:image/png;base64,'.length), 'base64');
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const width = bytes.readUInt32BE(16);
    const height = bytes.readUInt32BE(20);
    assert.ok(width > 500 && height > 100, `png ${width}x${height}`);
    writeFileSync(join(OUT, 'export.png'), bytes);
  });
});

test('without a layout worker the nodes still show, in columns, with the reason', async () => {
  // A host whose CSP refused the worker: `new Worker` throws.
  const s = await openPanel(browser, SEED,
    { initScript: "window.Worker = function () { throw new DOMException('refused by the test', 'SecurityError'); };" });
  try {
    await s.page.locator('[role=status]',
      { hasText: /Automatic layout failed \(the layout worker could not start: refused by the test\)/ }).waitFor({ timeout: 10_000 });
    await s.page.waitForFunction(() => (window as unknown as { __halab: { renderedRevision?: number } }).__halab.renderedRevision === 1);
    const ids = await s.page.locator('.react-flow__node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')).sort());
    assert.deepEqual(ids, [
      'clients', 'lb:haproxy01', 'lb:haproxy02', 'site:web01', 'site:web02',
      'upstream:upstream01', 'upstream:upstream02', 'vip:192.168.56.100',
    ]);
    // Columns, left to right along the chain.
    const x = async (id: string) => (await node(s, id).boundingBox())!.x;
    assert.ok((await x('clients')) < (await x('vip:192.168.56.100')));
    assert.ok((await x('lb:haproxy01')) < (await x('site:web01')));
    assert.ok((await x('site:web01')) < (await x('upstream:upstream01')));
    await shot(s, 'no-worker-columns');
  } finally {
    await s.close();
  }
});

test('a big topology is laid out without ELK: it draws even with the worker refused', async () => {
  // 200 nodes in shared pools (over ELK_MAX): order.ts and placeBig lay it out on the page's
  // thread, so a refused worker changes nothing here.
  const s = await openPanel(browser, benchTopology(200, 'pools'),
    { initScript: "window.Worker = function () { throw new DOMException('refused by the test', 'SecurityError'); };" });
  try {
    await waitForRevision(s, 1, 20_000);
    assert.equal(await s.page.locator('[role=status]', { hasText: /Automatic layout failed/ }).count(), 0);
    // Fitted to the whole graph: sites left of their upstreams, in two columns.
    const boxes = await s.page.locator('.react-flow__node').evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-id'), e.getBoundingClientRect().x] as const));
    const xs = (prefix: string) => new Set(boxes.filter(([id]) => id!.startsWith(prefix)).map(([, x]) => Math.round(x)));
    assert.ok(boxes.length > 0);
    assert.equal(xs('site:').size, 1, 'sites in one column');
    assert.equal(xs('upstream:').size, 1, 'upstreams in one column');
    assert.ok([...xs('site:')][0]! < [...xs('upstream:')][0]!);
    assert.deepEqual(s.problems, []);
    await shot(s, 'big-pools-200');
  } finally {
    await s.close();
  }
});

test('malformed or stale messages are rejected and change nothing', async () => {
  await withPanel(SEED, async (s) => {
    const send = (m: unknown) =>
      s.page.evaluate(
        (msg) => (window as unknown as { acquireVsCodeApi(): { postMessage(m: unknown): void } }).acquireVsCodeApi().postMessage(msg),
        m as Record<string, unknown>,
      );
    const answer = async (requestId: string) => {
      for (let i = 0; i < 100; i++) {
        const a = s.host.sent.find((m) => 'requestId' in m && m.requestId === requestId);
        if (a) return a;
        await s.page.waitForTimeout(10);
      }
      throw new Error(`no answer to ${requestId}`);
    };
    const bad: [string, unknown][] = [
      ['m1', { type: 'intent', requestId: 'm1', revision: 1, intent: { op: 'remove', kind: 'vip', name: 'x' } }],
      ['m2', {
        type: 'intent', requestId: 'm2', revision: 1, intent: { op: 'rename', kind: 'lb', from: 'haproxy01', to: 'x }\nlb evil {' },
      }],
      ['m3', { type: 'intent', requestId: 'm3', revision: '1', intent: { op: 'setPort', upstream: 'upstream01', port: 80 } }],
      ['m4', { type: 'intent', requestId: 'm4', revision: 1, intent: { op: 'setPort', upstream: 'upstream01', port: 70000 } }],
      ['m5', { type: 'intent', requestId: 'm5', revision: 1, intent: { op: 'setPort', upstream: 'upstream01', port: 81, extra: 1 } }],
      ['m6', { type: 'export', requestId: 'm6', format: 'png', data: 'javascript:alert(1)' }],
      ['m7', { type: 'savePositions', requestId: 'm7', positions: { '../../etc/passwd': { x: 1, y: 2 } } }],
      ['m8', { type: 'exec', requestId: 'm8', command: 'rm -rf /' }],
    ];
    for (const [id, m] of bad) {
      await send(m);
      const a = await answer(id);
      assert.equal(a.type, 'error', `${id} must be rejected: ${JSON.stringify(a)}`);
    }
    await send('not even an object');
    for (let i = 0; i < 50 && s.host.received.length < bad.length + 2; i++) await s.page.waitForTimeout(10);
    assert.equal(s.host.sent.at(-1)?.type, 'error');

    // A well-formed intent on an old revision: reject with a fresh snapshot.
    await s.host.setText(SEED + '\n');
    await waitForRevision(s);
    await send({ type: 'intent', requestId: 'st1', revision: 1, intent: { op: 'setPort', upstream: 'upstream01', port: 81 } });
    const st = await answer('st1');
    assert.equal(st.type, 'reject');
    assert.equal(st.type === 'reject' && st.snapshot.revision, 2);
    assert.equal(s.host.text, SEED + '\n');
    assert.equal(s.host.history.length, 0);
  });
});

test('follows the VS Code theme kind (dark chrome on a dark theme)', async () => {
  await withPanel(SEED, async (s) => {
    assert.equal(await s.page.locator('.react-flow.dark').count(), 0);
    await s.page.evaluate(() => document.body.classList.add('vscode-dark'));
    await s.page.locator('.react-flow.dark').waitFor();
    await shot(s, 'dark');
    await s.page.evaluate(() => document.body.classList.replace('vscode-dark', 'vscode-high-contrast-light'));
    await s.page.locator('.react-flow.light').waitFor();
  });
});
