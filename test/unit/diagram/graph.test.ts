/** Model -> graph, layout and SVG export, on the seed topology (expected values from the file). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ELK from 'elkjs/lib/elk.bundled.js';
import { analyze } from '../../../server/src/engine.js';
import { panelDiagnostics } from '../../../server/src/diagram/host-core.js';
import { modelToGraph, nodeAtOffset, nodeId, nodeSpan, NODE_WIDTH, nodeHeight, parseNodeId } from '../../../shared/diagram/graph.js';
import { BIG_GRAPH, ELK_MAX, autoLayout, type ElkLike, mergePositions, orderComponents, reduce, structureKey,
  toElkGraph } from '../../../shared/diagram/layout.js';
import { siteUpstreamCrossings } from '../../helpers/crossings.js';
import { benchTopology } from '../../helpers/bench-topology.js';
import { rng } from '../../helpers/rng.js';
import { graphToSvg } from '../../../shared/diagram/svg.js';
import { parseLayoutSidecar } from '../../../shared/protocol/webview.js';

const SEED = readFileSync(new URL('../../../examples/seed-lab.halab', import.meta.url), 'utf8');
const modelOf = (text: string) => analyze(text).model;

test('seed: nodes are clients, the vip, two lbs, two sites, two upstreams', () => {
  const g = modelToGraph(modelOf(SEED));
  assert.deepEqual(g.nodes.map((n) => n.id).sort(), [
    'clients', 'lb:haproxy01', 'lb:haproxy02', 'site:web01', 'site:web02',
    'upstream:upstream01', 'upstream:upstream02', 'vip:192.168.56.100',
  ]);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  assert.deepEqual(byId.get('lb:haproxy01')!.lines, ['primary · priority 101', '192.168.56.101']);
  assert.deepEqual(byId.get('lb:haproxy02')!.lines, ['backup · priority 100', '192.168.56.102']);
  assert.deepEqual(byId.get('site:web01')!.lines, ['web01-192-168-56-100.nip.io', 'balance roundrobin · :80']);
  assert.deepEqual(byId.get('upstream:upstream02')!.lines, ['192.168.56.104:80', 'weight 100']);
  assert.equal(byId.get('vip:192.168.56.100')!.title, '192.168.56.100/24');
});

test('seed: edges follow clients -> vip -> lbs -> sites -> upstreams, plus the VRRP link', () => {
  const g = modelToGraph(modelOf(SEED));
  const edges = g.edges.map((e) => `${e.kind} ${e.source} ${e.target}${e.label ? ` [${e.label}]` : ''}`).sort();
  assert.deepEqual(edges, [
    'client clients vip:192.168.56.100 [:80]',
    'serve lb:haproxy01 site:web01',
    'serve lb:haproxy01 site:web02',
    'serve lb:haproxy02 site:web01',
    'serve lb:haproxy02 site:web02',
    'server site:web01 upstream:upstream01',
    'server site:web01 upstream:upstream02',
    'server site:web02 upstream:upstream01',
    'server site:web02 upstream:upstream02',
    'vip vip:192.168.56.100 lb:haproxy01',
    'vip vip:192.168.56.100 lb:haproxy02',
    'vrrp lb:haproxy01 lb:haproxy02 [VRRP router-id 255]',
  ]);
});

test('diagnostics land on the node whose statement contains them; others stay loose', () => {
  const text = SEED.replace('servers upstream01 upstream02\n  page "WEB 02', 'servers upstream01 nosuch\n  page "WEB 02');
  const at = text.indexOf('nosuch');
  const g = modelToGraph(modelOf(text), [
    { code: 'unknown-reference', severity: 'error', message: 'no upstream nosuch', span: { start: at, end: at + 6 } },
    { code: 'missing-required', severity: 'error', message: 'x', span: { start: text.length, end: text.length } },
  ]);
  const site = g.nodes.find((n) => n.id === 'site:web02')!;
  assert.deepEqual(site.diagnostics.map((d) => d.code), ['unknown-reference']);
  assert.equal(g.nodes.filter((n) => n.diagnostics.length).length, 1);
  assert.deepEqual(g.loose.map((d) => d.code), ['missing-required']);
  // the unknown server draws no edge
  assert.equal(g.edges.filter((e) => e.source === 'site:web02' && e.kind === 'server').length, 1);
});

test('engine diagnostics: an unknown server and an unused upstream show on their nodes', () => {
  const text = SEED.replace('servers upstream01 upstream02\n  page "WEB 02', 'servers upstream01 nosuch\n  page "WEB 02')
    .replace('upstream upstream02 { address 192.168.56.104 }',
      'upstream upstream02 { address 192.168.56.104 }\nupstream spare { address 192.168.56.105 }');
  const a = analyze(text);
  const g = modelToGraph(a.model, panelDiagnostics(a.diagnostics));
  const codes = (id: string) => g.nodes.find((n) => n.id === id)!.diagnostics.map((d) => d.code);
  assert.ok(codes('site:web02').includes('unknown-reference'), JSON.stringify(a.diagnostics));
  assert.ok(codes('upstream:spare').includes('unused-upstream'));
  assert.deepEqual(codes('site:web01').filter((c) => c !== 'single-upstream'), []);
});

test('cursor offset -> node and node -> statement span agree with the text', () => {
  const m = modelOf(SEED);
  assert.equal(nodeAtOffset(m, SEED.indexOf('192.168.56.104')), 'upstream:upstream02');
  assert.equal(nodeAtOffset(m, SEED.indexOf('WEB 01')), 'site:web01');
  assert.equal(nodeAtOffset(m, SEED.indexOf('topology')), null);
  const s = nodeSpan(m, 'lb:haproxy02')!;
  assert.equal(SEED.slice(s.span.start, s.span.end), 'lb haproxy02 { address 192.168.56.102; role backup; priority 100 }');
  assert.equal(SEED.slice(s.nameSpan.start, s.nameSpan.end), 'haproxy02');
  assert.equal(nodeSpan(m, 'lb:nope'), null);
});

test('ELK layout: one column per kind, left to right, primary above backup, no overlaps', async () => {
  const g = modelToGraph(modelOf(SEED));
  const pos = await autoLayout(new ELK(), g);
  const x = (id: string) => pos[id]!.x;
  assert.ok(x('clients') < x('vip:192.168.56.100'));
  assert.ok(x('vip:192.168.56.100') < x('lb:haproxy01'));
  assert.equal(x('lb:haproxy01'), x('lb:haproxy02'));
  assert.ok(x('lb:haproxy01') < x('site:web01'));
  assert.ok(x('site:web01') < x('upstream:upstream01'));
  assert.ok(pos['lb:haproxy01']!.y < pos['lb:haproxy02']!.y, 'primary first, as in the file');
  for (const a of g.nodes) for (const b of g.nodes) {
    if (a === b) continue;
    const pa = pos[a.id]!, pb = pos[b.id]!;
    const overlap = pa.x < pb.x + NODE_WIDTH && pb.x < pa.x + NODE_WIDTH && pa.y < pb.y + nodeHeight(b) && pb.y < pa.y + nodeHeight(a);
    assert.ok(!overlap, `${a.id} overlaps ${b.id}`);
  }
});

test('TCP services: a node each, served by every lb, with edges to their upstreams, in the site column', async () => {
  const text = readFileSync(new URL('../../../examples/services.halab', import.meta.url), 'utf8');
  const g = modelToGraph(modelOf(text));
  const services = g.nodes.filter((n) => n.kind === 'service');
  assert.deepEqual(services.map((n) => n.id), ['service:web-tcp', 'service:ssh-relay']);
  const edges = g.edges.filter((e) => e.source.startsWith('service:') || e.target.startsWith('service:'))
    .map((e) => `${e.kind} ${e.source} ${e.target}`).sort();
  assert.deepEqual(edges, [
    'serve lb:lb1 service:ssh-relay', 'serve lb:lb1 service:web-tcp', 'serve lb:lb2 service:ssh-relay', 'serve lb:lb2 service:web-tcp',
    'server service:ssh-relay upstream:web1', 'server service:ssh-relay upstream:web2',
    'server service:web-tcp upstream:web1', 'server service:web-tcp upstream:web2',
  ]);
  const m = modelOf(text);
  const svc = m.services[0]!;
  assert.equal(nodeAtOffset(m, svc.span.start + 1), 'service:web-tcp');
  assert.deepEqual(nodeSpan(m, 'service:web-tcp'), { span: svc.span, nameSpan: svc.nameSpan });
  const pos = await autoLayout(new ELK(), g);
  const x = (id: string) => pos[id]!.x;
  assert.ok(x('lb:lb1') < x('service:web-tcp') && x('service:web-tcp') < x('upstream:web1'));
  assert.equal(x('service:web-tcp'), x('service:ssh-relay'));
});

test('ELK layout: a small graph reads top-down in file order', async () => {
  const lab = readFileSync(new URL('../../../examples/lab.halab', import.meta.url), 'utf8');
  const pos = await autoLayout(new ELK(), modelToGraph(modelOf(lab)));
  assert.ok(pos['site:web01']!.y < pos['site:web02']!.y);
  assert.ok(pos['upstream:web1']!.y < pos['upstream:web2']!.y);
  assert.ok(pos['lb:lb1']!.y < pos['lb:lb2']!.y);
});

test('ELK layout: an upstream no site uses still sits in the upstream column', async () => {
  const text = SEED.replace('upstream upstream02 { address 192.168.56.104 }',
    'upstream upstream02 { address 192.168.56.104 }\nupstream spare { address 192.168.56.105 }');
  const g = modelToGraph(modelOf(text));
  const pos = await autoLayout(new ELK(), g);
  assert.equal(pos['upstream:spare']!.x, pos['upstream:upstream01']!.x);
  const others = ['upstream:upstream01', 'upstream:upstream02'].map((id) => pos[id]!.y + nodeHeight(g.nodes.find((n) => n.id === id)!));
  assert.ok(pos['upstream:spare']!.y >= Math.max(...others), 'stacked below, not on top of, the others');
});

test('layout of a big graph: no ELK, columns kept, components ordered, single-use upstreams beside their site', async () => {
  // 300 nodes (each site uses 4 upstreams of its own), plus a site sharing upstreams of two
  // others, an upstream no site uses and a site with no servers.
  let text = benchTopology(300);
  text = text.replace('site s0 {',
    'upstream spare { address 198.18.9.9 }\n\nsite empty {\n  host empty.bench.test\n}\n\nsite both {\n  host both.bench.test\n' +
      '  servers u1 u41\n}\n\nsite s0 {');
  const g = modelToGraph(modelOf(text));
  assert.ok(g.nodes.length > BIG_GRAPH);
  const users = new Map<string, string[]>();
  for (const e of g.edges) if (e.kind === 'server') users.set(e.target, [...(users.get(e.target) ?? []), e.source]);
  const shared = [...users].filter(([, s]) => s.length >= 2).map(([u]) => u);
  assert.ok(shared.length > 0, 'the topology has shared upstreams');

  // What decides the crossings: the shared upstreams, u1 (s0 and both) and u41 (s10 and both),
  // and the sites using them, one component.
  assert.deepEqual([...shared].sort(), ['upstream:u1', 'upstream:u41']);
  const r = reduce(g);
  const ranks = [...r.rank.values()];
  const joined = [...r.rank].filter(([, k]) => ranks.filter((x) => x === k).length > 1).map(([s]) => s);
  assert.deepEqual(joined.sort(), ['site:both', 'site:s0', 'site:s10']);
  assert.deepEqual(new Set(['site:both', 'site:s0', 'site:s10'].map((s) => r.rank.get(s))).size, 1);
  // Every site and every upstream in use gets a place in its component; the unused one does not.
  const { place } = orderComponents(g, r);
  for (const n of g.nodes) {
    const inUse = n.kind === 'site' || (n.kind === 'upstream' && users.has(n.id));
    assert.equal(place.has(n.id), inUse, n.id);
  }

  // ELK is not asked: its first layout in a page is the slow part (docs/diagram.md).
  const pos = await autoLayout({ layout: () => Promise.reject(new Error('ELK was called')) }, g);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const columnX = new Map<string, Set<number>>();
  for (const n of g.nodes) columnX.set(n.kind, (columnX.get(n.kind) ?? new Set()).add(pos[n.id]!.x));
  for (const [kind, xs] of columnX) assert.equal(xs.size, 1, `${kind} in one column`);
  const x = (kind: string) => [...columnX.get(kind)!][0]!;
  assert.ok(x('clients') < x('vip') && x('vip') < x('lb') && x('lb') < x('site') && x('site') < x('upstream'));
  assert.ok(pos['lb:lb1']!.y < pos['lb:lb2']!.y, 'primary first');
  // No two boxes of a column overlap.
  for (const kind of columnX.keys()) {
    const col = g.nodes.filter((n) => n.kind === kind).sort((a, b) => pos[a.id]!.y - pos[b.id]!.y);
    for (let i = 1; i < col.length; i++) assert.ok(pos[col[i]!.id]!.y >= pos[col[i - 1]!.id]!.y + nodeHeight(col[i - 1]!),
      `${col[i]!.id} overlaps ${col[i - 1]!.id}`);
  }
  // A site's single-use upstreams sit beside it: within its 4 upstreams' stack of the site's middle.
  const mid = (id: string) => pos[id]!.y + nodeHeight(byId.get(id)!) / 2;
  for (const [u, s] of users) {
    if (s.length !== 1) continue;
    assert.ok(Math.abs(mid(u) - mid(s[0]!)) <= 4 * (nodeHeight(byId.get(u)!) + 40), `${u} is far from ${s[0]}`);
  }
  // Sites outside ELK keep file order (components ranked by their first site): s1 above s2 above
  // s3, and the component of s0, both and s10 before s1.
  const y = (id: string) => pos[id]!.y;
  assert.ok(y('site:s1') < y('site:s2') && y('site:s2') < y('site:s3'));
  assert.ok(Math.max(y('site:s0'), y('site:both'), y('site:s10')) < y('site:s1'));
  // The unused upstream goes last.
  const lowest = Math.max(...g.nodes.filter((n) => n.kind === 'upstream').map((n) => pos[n.id]!.y));
  assert.equal(pos['upstream:spare']!.y, lowest);
});

test('positions: sidecar beats on-screen beats auto; structure key ignores non-structural edits', () => {
  const g = modelToGraph(modelOf(SEED));
  const auto = Object.fromEntries(g.nodes.map((n) => [n.id, { x: 1, y: 1 }]));
  const merged = mergePositions(g, auto, { 'site:web01': { x: 5, y: 5 }, 'lb:haproxy01': { x: 7, y: 7 } },
    { version: 1, positions: { 'lb:haproxy01': { x: 9, y: 9 } } });
  assert.deepEqual(merged['lb:haproxy01'], { x: 9, y: 9 });
  assert.deepEqual(merged['site:web01'], { x: 5, y: 5 });
  assert.deepEqual(merged['clients'], { x: 1, y: 1 });
  const g2 = modelToGraph(modelOf(SEED.replace('192.168.56.104', '192.168.56.114')));
  assert.equal(structureKey(g2), structureKey(g));
  const g3 = modelToGraph(modelOf(SEED.replace('servers upstream01 upstream02\n  page "WEB 02', 'servers upstream01\n  page "WEB 02')));
  assert.notEqual(structureKey(g3), structureKey(g));
});

test('sidecar parsing rejects junk instead of trusting it', () => {
  assert.deepEqual(parseLayoutSidecar({ version: 1, positions: { 'lb:a': { x: 1, y: 2 } } }),
    { version: 1, positions: { 'lb:a': { x: 1, y: 2 } } });
  assert.equal(parseLayoutSidecar({ version: 2, positions: {} }), null);
  assert.equal(parseLayoutSidecar({ version: 1, positions: { 'lb:a': { x: 'NaN', y: 2 } } }), null);
  assert.equal(parseLayoutSidecar({ version: 1, positions: { '<script>': { x: 1, y: 2 } } }), null);
  assert.equal(parseLayoutSidecar('nope'), null);
});

test('SVG export: one box per node, every label escaped, a path per drawn edge', async () => {
  const g = modelToGraph(modelOf(SEED));
  // Values come from the user's file: a hostile one must not become markup.
  g.nodes[0]!.lines.push('a<b>&"c"');
  const pos = await autoLayout(new ELK(), g);
  const svg = graphToSvg(g, pos, {
    at: 'now',
    lbs: { haproxy01: { state: 'MASTER', holdsVips: ['192.168.56.100'] } },
    servers: { web01: { upstream01: 'UP', upstream02: 'DOWN' } },
  });
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.equal((svg.match(/<g data-id=/g) ?? []).length, g.nodes.length);
  assert.equal((svg.match(/<path /g) ?? []).length, g.edges.length);
  assert.match(svg, />lb haproxy01</);
  assert.match(svg, />MASTER ● VIP</);
  assert.match(svg, />DOWN</);
  assert.doesNotMatch(svg, /<b>/);
  assert.match(svg, /a&lt;b&gt;&amp;&quot;c&quot;/);
});

test('layout of a big graph: shared pools drawn with no more site/upstream crossings than ELK gives', async () => {
  // The bench's second shape: every upstream shared by about 4 sites of its pool of 8.
  const g = modelToGraph(modelOf(benchTopology(300, 'pools')));
  assert.ok(g.nodes.length > BIG_GRAPH);
  const crossingsBy = (y: (id: string) => number) => siteUpstreamCrossings(g, y);
  const ours = await autoLayout({ layout: () => Promise.reject(new Error('ELK was called')) }, g);
  // ELK's own layered layout of the same graph, as big graphs were drawn before.
  const elk = await new ELK().layout({
    ...toElkGraph(g),
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.layered.thoroughness': '7' },
  });
  const elkY = new Map(elk.children!.map((c) => [c.id, c.y ?? 0]));
  const fileOrder = crossingsBy((id) => g.nodes.findIndex((n) => n.id === id));
  const mine = crossingsBy((id) => ours[id]!.y);
  const theirs = crossingsBy((id) => elkY.get(id)!);
  assert.ok(fileOrder > 0, 'file order has crossings to remove');
  assert.ok(mine <= theirs, `ours ${mine} crossings, ELK ${theirs}`);
  assert.ok(mine < fileOrder, `ours ${mine}, file order ${fileOrder}`);
});

test('ELK lays out graphs up to ELK_MAX nodes; one node more and order.ts does', async () => {
  const calls: number[] = [];
  const counting: ElkLike = { layout: (g) => (calls.push(g.children!.length), new ELK().layout(g)) };
  for (const total of [ELK_MAX, ELK_MAX + 1]) {
    const g = modelToGraph(modelOf(benchTopology(total, 'pools')));
    assert.equal(g.nodes.length, total);
    const pos = await autoLayout(counting, g);
    assert.equal(Object.keys(pos).length, total);
  }
  assert.deepEqual(calls, [ELK_MAX]);
});

test('layout of a big graph: the drawing has exactly the crossings orderComponents settled on', async () => {
  // Random topologies of 100-200 nodes, upstreams shared at random: what placeBig draws must not
  // undo the order (an earlier placeBig re-sorted the upstreams and added crossings).
  const random = rng(11);
  for (let trial = 0; trial < 20; trial++) {
    const upstreams = 40 + Math.floor(random() * 60);
    const sites = 40 + Math.floor(random() * 60);
    const lines = ['topology t', 'vip 198.18.0.100/16 {', '  interface eth0', '  router-id 51', '}',
      'lb a { address 198.18.0.11; role primary }', 'lb b { address 198.18.0.12; role backup }'];
    for (let u = 0; u < upstreams; u++) lines.push(`upstream u${u} { address 198.18.1.${u + 1} }`);
    for (let i = 0; i < sites; i++) {
      const names = new Set<string>();
      const n = 1 + Math.floor(random() * 3);
      // Mostly near each other in the file, now and then anywhere: pools with strays.
      for (let k = 0; k < n; k++) names.add(`u${random() < 0.8
        ? Math.min(upstreams - 1, Math.floor((i * upstreams) / sites) + Math.floor(random() * 4))
        : Math.floor(random() * upstreams)}`);
      lines.push(`site s${i} {`, `  host s${i}.t.test`, `  servers ${[...names].join(' ')}`, '}');
    }
    const g = modelToGraph(modelOf(lines.join('\n') + '\n'));
    assert.ok(g.nodes.length > ELK_MAX);
    const pos = await autoLayout({ layout: () => Promise.reject(new Error('ELK was called')) }, g);
    const server = g.edges.filter((e) => e.kind === 'server');
    let drawn = 0;
    for (let i = 0; i < server.length; i++)
      for (let j = i + 1; j < server.length; j++) {
        const a = server[i]!;
        const b = server[j]!;
        if ((pos[a.source]!.y - pos[b.source]!.y) * (pos[a.target]!.y - pos[b.target]!.y) < 0) drawn++;
      }
    assert.equal(drawn, orderComponents(g, reduce(g)).crossings, `trial ${trial}`);
  }
});

test('node ids: parseNodeId inverts nodeId for every kind (an IPv6 vip keeps its colons) and refuses anything else', () => {
  for (const [kind, key] of [['lb', 'lb1'], ['site', 'web01'], ['upstream', 'web-2'], ['vip', '2001:db8::100']] as const) {
    assert.deepEqual(parseNodeId(nodeId[kind](key)), { kind, key });
  }
  assert.deepEqual(parseNodeId(nodeId.clients), { kind: 'clients', key: '' });
  for (const bad of ['foo:bar', 'x', '', ':lb1']) assert.equal(parseNodeId(bad), null, bad);
});
