/**
 * Hover in-process (language/hover.ts): the keyword's card, an upstream reference, and the
 * rendered lines an explainer adds to a top-level block (here a stub, so the test sees exactly
 * what hover does with them). test/lsp/server.test.ts checks hover over stdio with the renderer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../server/src/engine.js';
import { hover, type Explainer } from '../../../server/src/language/hover.js';
import { BASE, cursor } from '../../helpers/markers.js';

function hoverAt(input: string, explain?: Explainer) {
  const { text, offset } = cursor(input);
  const a = analyze(text);
  const h = hover(a.tree, a.model, offset, explain);
  return h && { ...h, text: text.slice(h.span.start, h.span.end) };
}

test('on a keyword: signature, doc, values, whether required, what it renders to', () => {
  const h = hoverAt(BASE.replace('role primary', 'ro|le primary'))!;
  assert.equal(h.text, 'role');
  assert.equal(h.markdown, [
    '```halab\nrole primary|backup\n```',
    'Exactly one lb is the primary; it holds the VIP while healthy.',
    'Values: `primary`, `backup`.',
    '**Required.**',
    'Renders to — keepalived: `state MASTER` or `state BACKUP`.',
  ].join('\n\n'));
});

test('on an argument: the keyword card, with its range and default', () => {
  const h = hoverAt(BASE.replace('address 198.18.0.21 }', 'address 198.18.0.21; weight 5| }'))!;
  assert.equal(h.text, '5');
  assert.equal(h.markdown, [
    '```halab\nweight INT\n```',
    'HAProxy server weight; 0 takes no new traffic.',
    'Range: 0–256.',
    'Default: `100`.',
    'Renders to — haproxy: `weight`.',
  ].join('\n\n'));
});

test('on a servers reference: the upstream it names, or that there is none', () => {
  const h = hoverAt(BASE.replace('servers web1 web2', 'servers web1 we|b2'))!;
  assert.equal(h.text, 'web2');
  assert.equal(h.markdown, '**upstream web2** — 198.18.0.22:80, weight 100');
  const none = hoverAt(BASE.replace('servers web1 web2', 'servers web1 web|9'))!;
  assert.equal(none.markdown, 'No upstream `web9`.');
});

test('nothing between statements or on an unknown keyword', () => {
  assert.equal(hoverAt(`${BASE}\n|`), undefined);
  assert.equal(hoverAt(BASE.replace('role primary', 'rol|le primary')), undefined);
});

test('a top-level block gets the lines its explainer renders: at most 4 files of 30 lines, empty ones left out', () => {
  const asked: unknown[] = [];
  const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
  const explain: Explainer = (_model, target) => {
    asked.push(target);
    return [
      { host: 'lb1', path: '/etc/haproxy/haproxy.cfg', lines },
      { host: 'lb2', path: '/etc/empty', lines: [] },
      ...['a', 'b', 'c', 'd'].map((host) => ({ host, path: '/f', lines: ['x'] })),
    ];
  };
  const plain = hoverAt(BASE.replace('site s1', 'si|te s1'))!;
  const h = hoverAt(BASE.replace('site s1', 'si|te s1'), explain)!;
  assert.deepEqual(asked, [{ kind: 'site', name: 's1' }]);
  const block = (host: string, path: string, shown: string[]) => `**${host}:${path}**\n\`\`\`\n${shown.join('\n')}\n\`\`\``;
  assert.equal(h.markdown, plain.markdown + '\n\n---\n\n' + [
    block('lb1', '/etc/haproxy/haproxy.cfg', lines.slice(0, 30)),
    block('a', '/f', ['x']),
    block('b', '/f', ['x']),
    block('c', '/f', ['x']),
  ].join('\n\n'));
});

test('the explainer is asked by vip address and for stats by kind; not for statements inside a block', () => {
  const asked: unknown[] = [];
  const explain: Explainer = (_model, target) => (asked.push(target), []);
  hoverAt(BASE.replace('vip 198', 'v|ip 198'), explain);
  hoverAt(`${BASE}stats| { password env:P }\n`, explain);
  hoverAt(BASE.replace('role primary', 'ro|le primary'), explain);
  assert.deepEqual(asked, [{ kind: 'vip', name: '198.18.0.100' }, { kind: 'stats', name: 'stats' }]);
});

test('an explainer that throws leaves the keyword card alone', () => {
  const input = BASE.replace('lb lb1', 'l|b lb1');
  const plain = hoverAt(input)!;
  const h = hoverAt(input, () => {
    throw new Error('half-typed file');
  })!;
  assert.equal(h.markdown, plain.markdown);
  assert.equal(h.text, 'lb');
});

test('on a pass-through string: what the daemon\'s manual says of its directive, then the keyword\'s card', () => {
  const on = (line: string) => hoverAt(BASE.replace('servers web1 web2 }', `servers web1 web2; backend "|${line}" }`))!.markdown;
  assert.match(
    on('stick-table type ip size 1m'),
    new RegExp(
      /^\*\*`stick-table`\*\* — a directive of haproxy 2\.6, `backend`\. /.source +
        /See the \[HAProxy 2\.6 configuration manual\]/.source,
    ),
  );
  assert.match(on('option httpchk'), /^\*\*`option httpchk`\*\*/);
  assert.match(
    on('stick-tabel type ip'),
    new RegExp(
      /^\*\*`stick-tabel`\*\* is not a directive of haproxy 2\.6, `backend` in its manual: /.source +
        /`haproxy -c` on the target judges it/.source,
    ),
  );
  assert.match(on('stick-table x'), /```halab\nbackend STRING\n```/);
});
