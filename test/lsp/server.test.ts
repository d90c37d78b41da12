/**
 * Feature tests of the language server, driven over stdio JSON-RPC against the bundled
 * dist/server.js (run `npm run build` first; `npm test` does).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CodeActionRequest, CompletionRequest, DefinitionRequest, DocumentFormattingRequest, DocumentSymbolRequest,
  FoldingRangeRequest, HoverRequest, ReferencesRequest, RenameRequest, SemanticTokensRequest, type CompletionItem,
  type CompletionList, type TextEdit, type WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { startLsp, type LspClient } from '../helpers/lsp-client.js';
import { BASE, cursor } from '../helpers/markers.js';
import { LineIndex } from '../../server/src/syntax/line-index.js';
import { TopologyRequest } from '../../server/src/protocol/lsp.js';

let lsp: LspClient;
let n = 0;
const uri = () => `file:///tmp/t${++n}.halab`;
before(async () => {
  lsp = await startLsp();
});
after(async () => {
  await lsp.close();
});

/** Opens `input` (with a `|` cursor) and returns the uri and the cursor position. */
async function openAt(input: string) {
  const { text, offset } = cursor(input);
  const u = uri();
  await lsp.open(u, text);
  return { u, text, position: new LineIndex(text).position(offset) };
}

function applyEdits(text: string, edits: TextEdit[]): string {
  const idx = new LineIndex(text);
  const sorted = [...edits].sort((a, b) => idx.offset(b.range.start) - idx.offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, idx.offset(e.range.start)) + e.newText + out.slice(idx.offset(e.range.end));
  return out;
}

const labels = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : r?.items ?? []).map((i) => i.label);

test('diagnostics arrive on open with code, range and message, and follow changes by version', async () => {
  const u = uri();
  const bad = BASE.replace('router-id 51', 'rouer-id 51');
  const d1 = await lsp.open(u, bad);
  const unk = d1.diagnostics.find((d) => d.code === 'unknown-keyword');
  assert.ok(unk, 'unknown-keyword reported');
  assert.deepEqual(unk.range, { start: { line: 1, character: 22 }, end: { line: 1, character: 30 } });
  assert.match(String(unk.message), /Did you mean `router-id`/);
  assert.equal(unk.source, 'halab');
  const d2 = await lsp.change(u, 2, BASE);
  assert.equal(d2.version, 2);
  // fixed: only the VRRPv2 hint remains (severity 4 = Hint, shown faint in the editor)
  assert.deepEqual(d2.diagnostics.map((d: { code?: unknown; severity?: number }) => [d.code, d.severity]), [['slow-link-failover', 4]]);
});

test('completion offers the keywords valid in the current block', async () => {
  const { u, position } = await openAt(BASE.replace('{ router-id 51 }', '{\n  router-id 51\n  |\n}'));
  const items = await lsp.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: u }, position });
  const l = labels(items);
  for (const k of ['advert', 'auth', 'track', 'vrrp-version', 'unicast', 'interface']) assert.ok(l.includes(k), `missing ${k}`);
  assert.ok(!l.includes('router-id'), 'a present single-valued keyword is not offered again');
  assert.ok(!l.includes('servers'), 'site keywords are not offered in a vip block');
});

test('completion at the top level offers block snippets', async () => {
  const { u, position } = await openAt(BASE + '|');
  const items = await lsp.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: u }, position });
  const arr = (Array.isArray(items) ? items : items!.items);
  const lb = arr.find((i) => i.label === 'lb');
  assert.ok(lb, 'lb offered');
  assert.equal(lb.insertTextFormat, 2, 'as a snippet');
  assert.match((lb.textEdit as TextEdit).newText, /^lb \$\{1:lb1\} \{\n/);
  assert.ok(!labels(items).includes('topology'), 'topology is not offered twice');
});

test('completion offers enum values, upstream names after servers, vip addresses, env:', async () => {
  const cases: [string, string[], string[]][] = [
    [BASE.replace('role backup', 'role |'), ['primary', 'backup'], []],
    [BASE.replace('servers web1 web2', 'servers web1 |'), ['web2'], ['web1', 'lb1']],
    [BASE.replace('servers web1 web2', 'servers web1 web2; vip |'), ['198.18.0.100'], []],
    [BASE + 'stats { password | }', ['env:HALAB_STATS_PASSWORD', 'env:'], []],
    [BASE.replace('router-id 51', 'router-id 51; track |'), ['process', 'script'], []],
  ];
  for (const [input, want, not] of cases) {
    const { u, position } = await openAt(input);
    const l = labels(await lsp.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: u }, position }));
    for (const w of want) assert.ok(l.includes(w), `expected ${w} in ${l.join(',')} for ${input}`);
    for (const w of not) assert.ok(!l.includes(w), `did not expect ${w}`);
  }
});

test('hover explains a keyword: doc, type, default and what it renders to', async () => {
  const { u, position } = await openAt(BASE.replace('router-id 51', 'router-id 51; adv|ert 2s'));
  const h = await lsp.conn.sendRequest(HoverRequest.type, { textDocument: { uri: u }, position });
  const md = (h!.contents as { value: string }).value;
  assert.match(md, /advert DURATION/);
  assert.match(md, /Default: `1s`/);
  assert.match(md, /advert_int/);
});

test('hover on an upstream reference shows the upstream', async () => {
  const { u, position } = await openAt(BASE.replace('servers web1 web2', 'servers web1 we|b2'));
  const h = await lsp.conn.sendRequest(HoverRequest.type, { textDocument: { uri: u }, position });
  assert.match((h!.contents as { value: string }).value, /upstream web2\*\* — 198\.18\.0\.22:80/);
});

test('go to definition, find references and rename an upstream', async () => {
  const text = BASE + 'site s2 { host b.example.com; servers web2 web1 }\n';
  const { u, position } = await openAt(text.replace('servers web1 web2', 'servers web1 w|eb2'));
  const def = await lsp.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri: u }, position });
  const idx = new LineIndex(text);
  const declAt = text.indexOf('upstream web2') + 'upstream '.length;
  assert.deepEqual((def as { range: unknown }).range, idx.range({ start: declAt, end: declAt + 4 }));
  const refs = await lsp.conn.sendRequest(ReferencesRequest.type,
    { textDocument: { uri: u }, position, context: { includeDeclaration: true } });
  assert.equal(refs!.length, 3, 'declaration + two servers references');
  const edit = (await lsp.conn.sendRequest(RenameRequest.type,
      { textDocument: { uri: u }, position, newName: 'backend2' })) as WorkspaceEdit;
  const renamed = applyEdits(text, edit.changes![u]!);
  assert.equal(renamed, text.replaceAll('web2', 'backend2'));
});

test('rename refuses an invalid or taken name', async () => {
  const { u, position } = await openAt(BASE.replace('upstream web2', 'upstream w|eb2'));
  await assert.rejects(lsp.conn.sendRequest(RenameRequest.type, { textDocument: { uri: u }, position, newName: '9bad' }),
    /not a valid name/);
  await assert.rejects(lsp.conn.sendRequest(RenameRequest.type, { textDocument: { uri: u }, position, newName: 'lb1' }), /already taken/);
});

test('document symbols give the outline', async () => {
  const u = uri();
  await lsp.open(u, BASE);
  const syms = (await lsp.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: u } })) as
    { name: string; children?: { name: string }[] }[];
  assert.deepEqual(syms.map((s) => s.name),
    ['topology t', 'vip 198.18.0.100/24', 'lb lb1', 'lb lb2', 'upstream web1', 'upstream web2', 'site s1']);
  assert.deepEqual(syms[2]!.children!.map((c) => c.name), ['address', 'role']);
});

test('formatting is canonical, idempotent and keeps comments', async () => {
  const messy = '# head comment\ntopology   t\n\n\n\nvip 198.18.0.100/24 {\n      router-id 51   # the id\n        advert 1s\n}\n' +
    'lb lb1 {   address 198.18.0.11 ;role primary}\n';
  const u = uri();
  await lsp.open(u, messy);
  const edits = await lsp.conn.sendRequest(DocumentFormattingRequest.type,
    { textDocument: { uri: u }, options: { tabSize: 2, insertSpaces: true } });
  const once = applyEdits(messy, edits!);
  assert.equal(once,
    '# head comment\ntopology t\n\nvip 198.18.0.100/24 {\n  router-id 51  # the id\n  advert 1s\n}\n' +
      'lb lb1 { address 198.18.0.11; role primary }\n');
  const u2 = uri();
  await lsp.open(u2, once);
  const again = await lsp.conn.sendRequest(DocumentFormattingRequest.type,
    { textDocument: { uri: u2 }, options: { tabSize: 2, insertSpaces: true } });
  assert.deepEqual(again, [], 'formatting a formatted file changes nothing');
});

test('folding ranges and semantic tokens', async () => {
  const text = readFileSync('examples/seed-lab.halab', 'utf8');
  const u = uri();
  await lsp.open(u, text);
  const folds = await lsp.conn.sendRequest(FoldingRangeRequest.type, { textDocument: { uri: u } });
  const vipLine = text.split('\n').findIndex((l) => l.startsWith('vip '));
  assert.ok(folds!.some((f) => f.startLine === vipLine && f.endLine > vipLine), 'the vip block folds');
  const toks = await lsp.conn.sendRequest(SemanticTokensRequest.type, { textDocument: { uri: u } });
  assert.ok(toks && toks.data.length % 5 === 0 && toks.data.length > 100);
  // The first token is the comment on line 0.
  assert.deepEqual(toks.data.slice(0, 5), [0, 0, text.indexOf('\n'), 6, 0]);
});

async function fixes(input: string, code: string) {
  const u = uri();
  const d = await lsp.open(u, input);
  const diag = d.diagnostics.find((x) => x.code === code);
  assert.ok(diag, `${code} reported`);
  const actions = await lsp.conn.sendRequest(CodeActionRequest.type,
    { textDocument: { uri: u }, range: diag.range, context: { diagnostics: [diag] } });
  assert.ok(actions && actions.length > 0, `a quick fix for ${code}`);
  const a = actions[0] as { title: string; edit: WorkspaceEdit };
  return { title: a.title, text: applyEdits(input, a.edit.changes![u]!) };
}

test('quick fix: unknown-keyword replaces with the suggestion', async () => {
  const f = await fixes(BASE.replace('router-id 51', 'rouer-id 51'), 'unknown-keyword');
  assert.equal(f.text, BASE);
});

test('quick fix: plaintext-secret replaces the literal with env:', async () => {
  const f = await fixes(BASE + 'stats { password "s3cret-pass-long" }\n', 'plaintext-secret');
  assert.equal(f.text, BASE + 'stats { password env:HALAB_STATS_PASSWORD }\n');
});

test('quick fix: unknown-reference creates the missing upstream', async () => {
  const f = await fixes(BASE.replace('servers web1 web2', 'servers web1 web2 web3'), 'unknown-reference');
  assert.match(f.text, /upstream web2 \{ address 198\.18\.0\.22 \}\nupstream web3 \{ address 198\.18\.0\.23 \}\n/);
  const u = uri();
  const d = await lsp.open(u, f.text);
  assert.deepEqual(d.diagnostics.filter((x) => x.severity === 1), [], 'the fixed file has no errors');
});

test('quick fix: missing-required inserts the statement', async () => {
  const f = await fixes(BASE.replace('{ router-id 51 }', '{\n  advert 1s\n}'), 'missing-required');
  assert.equal(f.text, BASE.replace('{ router-id 51 }', '{\n  advert 1s\n  router-id 51\n}'));
  const g = await fixes(BASE.replace('role backup', 'address2 x').replace('address2 x', 'priority 100'), 'missing-required');
  assert.match(g.text, /lb lb2 \{ address 198\.18\.0\.12; priority 100; role backup \}/);
});

test('halab/topology returns the resolved model with defaults', async () => {
  const u = uri();
  await lsp.open(u, BASE);
  const r = await lsp.conn.sendRequest(TopologyRequest, { uri: u });
  assert.equal(r!.model.lbs[0]!.priority, 250, 'primary default priority');
  assert.equal(r!.model.lbs[1]!.priority, 249, 'backup default priority');
  assert.equal(r!.model.sites[0]!.balance, 'roundrobin');
  assert.equal(r!.version, 1);
});

test('hover on a site shows the config lines it renders to', async () => {
  const text = readFileSync('examples/seed-lab.halab', 'utf8');
  const { u, position } = await openAt(text.replace('site web01', 'si|te web01'));
  const h = await lsp.conn.sendRequest(HoverRequest.type, { textDocument: { uri: u }, position });
  const md = (h!.contents as { value: string }).value;
  assert.match(md, /haproxy01:\/etc\/haproxy\/haproxy\.cfg/);
  assert.match(md, /backend web01/);
  assert.match(md, /server upstream01 192\.168\.56\.103:80 check/);
  assert.match(md, /server_name\s+web01-192-168-56-100\.nip\.io/, 'the nginx vhost too');
});

test('hover on stats never shows a password, even when the server knows it', async () => {
  process.env.HALAB_STATS_PASSWORD = 'must-not-leak-123';
  const own = await startLsp(); // inherits the variable
  delete process.env.HALAB_STATS_PASSWORD;
  try {
    const { text, offset } = cursor(readFileSync('examples/seed-lab.halab', 'utf8').replace('stats {', 'st|ats {'));
    await own.open('file:///tmp/stats.halab', text);
    const h = await own.conn.sendRequest(HoverRequest.type,
      { textDocument: { uri: 'file:///tmp/stats.halab' }, position: new LineIndex(text).position(offset) });
    const md = (h!.contents as { value: string }).value;
    assert.match(md, /stats auth admin:/);
    assert.doesNotMatch(md, /must-not-leak/);
  } finally {
    await own.close();
  }
});
