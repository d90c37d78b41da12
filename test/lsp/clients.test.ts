/**
 * Any LSP client, not only VS Code (issue 15): the faults seen when the server was driven from
 * Neovim 0.7's built-in client. Each test drives the bundled dist/server.js (run `npm run build`
 * first; `npm test` does) as a client declaring the stated capabilities would.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import {
  CodeActionRequest, CompletionRequest, DidChangeTextDocumentNotification, DocumentFormattingRequest, InsertTextFormat, RenameRequest,
  type ClientCapabilities, type CodeAction, type CompletionItem, type CompletionList, type TextEdit,
} from 'vscode-languageserver-protocol';
import { startLsp, type LspClient } from '../helpers/lsp-client.js';
import { BASE, cursor } from '../helpers/markers.js';
import { LineIndex } from '../../server/src/syntax/line-index.js';

/** The parts of Neovim 0.7's `make_client_capabilities()` that matter here: no snippets. */
const NEOVIM: ClientCapabilities = {
  textDocument: {
    synchronization: { dynamicRegistration: false, willSave: false, willSaveWaitUntil: false, didSave: true },
    completion: {
      dynamicRegistration: false, contextSupport: false,
      completionItem: { snippetSupport: false, commitCharactersSupport: false, preselectSupport: false, deprecatedSupport: false,
        documentationFormat: ['markdown', 'plaintext'] },
    },
    publishDiagnostics: { relatedInformation: true, tagSupport: { valueSet: [1, 2] } },
    rename: { dynamicRegistration: false, prepareSupport: true },
    codeAction: { dynamicRegistration: false,
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source'] } } },
  },
};

const REQUEST_FAILED = -32803;

let nvim: LspClient;
let n = 0;
const uri = () => `file:///tmp/client${++n}.halab`;
before(async () => {
  nvim = await startLsp(undefined, undefined, NEOVIM);
});
after(async () => {
  await nvim.close();
});

const items = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : r?.items ?? []);

async function completeAt(lsp: LspClient, input: string) {
  const { text, offset } = cursor(input);
  const u = uri();
  await lsp.open(u, text);
  return items(await lsp.conn.sendRequest(CompletionRequest.type,
      { textDocument: { uri: u }, position: new LineIndex(text).position(offset) }));
}

function applyEdits(text: string, edits: TextEdit[]): string {
  const idx = new LineIndex(text);
  const sorted = [...edits].sort((a, b) => idx.offset(b.range.start) - idx.offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, idx.offset(e.range.start)) + e.newText + out.slice(idx.offset(e.range.end));
  return out;
}

/** Every code action offered for the diagnostics of `code` (the client sends them, as Neovim does). */
async function actionsFor(lsp: LspClient, text: string, code: string) {
  const u = uri();
  const d = await lsp.open(u, text);
  const diags = d.diagnostics.filter((x) => x.code === code);
  const out: { title: string; isPreferred?: boolean; text: string }[] = [];
  for (const diag of diags) {
    const actions = (await lsp.conn.sendRequest(CodeActionRequest.type,
        { textDocument: { uri: u }, range: diag.range, context: { diagnostics: [diag] } })) ?? [];
    for (const a of actions as CodeAction[]) {
      if (a.diagnostics?.some((x) => x.code === code))
        out.push({ title: a.title, isPreferred: a.isPreferred, text: applyEdits(text, a.edit!.changes![u]!) });
    }
  }
  return { diagnostics: d.diagnostics, diags, actions: out };
}

describe('snippets go only to a client that supports them', () => {
  const placeholder = /\$\d|\$\{\d/;
  for (const [who, caps] of [['snippetSupport: false (Neovim 0.7)', NEOVIM], ['no completion capabilities at all', {}]] as const) {
    test(who, async () => {
      const lsp = caps === NEOVIM ? nvim : await startLsp(undefined, undefined, caps);
      try {
        for (const input of [BASE + '|', BASE + 'stats { password | }\n', BASE.replace('router-id 51', 'router-id 51; |')]) {
          const list = await completeAt(lsp, input);
          assert.ok(list.length > 0, `completions for ${input}`);
          for (const it of list) {
            assert.notEqual(it.insertTextFormat, InsertTextFormat.Snippet, `${it.label} is sent as a snippet`);
            const newText = (it.textEdit as TextEdit).newText;
            assert.doesNotMatch(newText, placeholder, `${it.label} carries snippet placeholders: ${JSON.stringify(newText)}`);
          }
        }
        const top = await completeAt(lsp, BASE + '|');
        assert.equal((top.find((i) => i.label === 'lb')!.textEdit as TextEdit).newText,
          'lb lb1 {\n  address 198.18.0.11\n  role primary\n}');
        assert.equal((top.find((i) => i.label === 'defaults')!.textEdit as TextEdit).newText, 'defaults {\n\n}');
        const secret = await completeAt(lsp, BASE + 'stats { password | }\n');
        assert.equal((secret.find((i) => i.label === 'env:')!.textEdit as TextEdit).newText, 'env:');
      } finally {
        if (lsp !== nvim) await lsp.close();
      }
    });
  }
});

test('a didOpen publishes its diagnostics once, a change once more', async () => {
  const u = uri();
  const first = await nvim.open(u, BASE.replace('router-id 51', 'rouer-id 51'));
  assert.ok(first.diagnostics.length > 0);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(nvim.published.filter((p) => p.uri === u).length, 1, 'one publish for the open');
  await nvim.change(u, 2, BASE);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(nvim.published.filter((p) => p.uri === u).map((p) => p.version), [1, 2], 'one publish per version');
});

describe('completion offers the keyword under the cursor', () => {
  const lb = 'lb x { address 198.18.0.11; ro| }';
  const cases = [
    lb,
    lb + '\n',
    BASE + lb.replace('198.18.0.11', '198.18.0.13') + '\n',
    'lb x { address 198.18.0.11; role| }',
    'lb x { address 198.18.0.11; ro|le }',
    'lb x { address 198.18.0.11; role| primary }',
    'lb x { address 198.18.0.11; ro|; priority 5 }',
  ];
  for (const input of cases) {
    test(JSON.stringify(input), async () => {
      const list = await completeAt(nvim, input);
      const role = list.find((i) => i.label === 'role');
      assert.ok(role, `role offered among ${list.map((i) => i.label).join(',')}`);
      const { text, offset } = cursor(input);
      let ws = offset;
      while (ws > 0 && /[a-z-]/.test(text[ws - 1]!)) ws--;
      assert.equal((role.textEdit as TextEdit).range.start.character, new LineIndex(text).position(ws).character,
        'replaces the word under the cursor');
    });
  }
  test('typed one character at a time (each an incremental didChange, as Neovim syncs)', async () => {
    const u = uri();
    const line = (w: string) => `${BASE}lb x { address 198.18.0.13; ${w} }\n`;
    await nvim.open(u, line(''));
    let v = 1;
    for (const w of ['r', 'ro', 'rol', 'role']) {
      const text = line(w);
      const offset = text.lastIndexOf(` ${w} }`) + 1 + w.length;
      const at = new LineIndex(text).position(offset - 1);
      const published = nvim.nextDiagnostics(u, ++v);
      await nvim.conn.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: u, version: v }, contentChanges: [{ range: { start: at, end: at }, text: w.at(-1)! }],
      });
      await published;
      const list = items(await nvim.conn.sendRequest(CompletionRequest.type,
          { textDocument: { uri: u }, position: new LineIndex(text).position(offset) }));
      assert.ok(list.some((i) => i.label === 'role'), `role offered after typing ${w}`);
    }
  });
  test('a keyword already set elsewhere in the block is still left out', async () => {
    const list = await completeAt(nvim, 'lb x { role primary; address 198.18.0.11; ro| }');
    assert.ok(!list.some((i) => i.label === 'role'));
    assert.ok(list.some((i) => i.label === 'priority'));
  });
});

test('every shipped example is formatter-clean through the formatting request', async () => {
  const files = readdirSync('examples').filter((f) => f.endsWith('.halab'));
  assert.ok(files.length >= 2);
  for (const f of files) {
    const u = uri();
    await nvim.open(u, readFileSync(`examples/${f}`, 'utf8'));
    const edits = await nvim.conn.sendRequest(DocumentFormattingRequest.type,
      { textDocument: { uri: u }, options: { tabSize: 2, insertSpaces: true } });
    assert.deepEqual(edits, [], `examples/${f} is not formatter-clean`);
  }
});

describe('a misspelt required keyword', () => {
  const misspelt = BASE.replace('lb lb1 { address', 'lb lb1 { adress');
  test('is fixed by changing the spelling, never by inserting a made-up value', async () => {
    const unknown = await actionsFor(nvim, misspelt, 'unknown-keyword');
    assert.deepEqual(unknown.actions.map((a) => [a.title, a.text]), [['Replace with `address`', BASE]]);
    const missing = await actionsFor(nvim, misspelt, 'missing-required');
    assert.deepEqual(missing.actions, [], `no insert fix: ${missing.actions.map((a) => a.title).join('; ')}`);
    for (const d of missing.diags) assert.match(String(d.message), /`adress`/, 'the message points at the misspelling');
  });
  test('near miss: a block that lacks the keyword with no look-alike still gets the insert fix', async () => {
    const text = BASE.replace('lb lb1 { address 198.18.0.11; role primary }', 'lb lb1 { role primary; priority 200 }');
    const { actions } = await actionsFor(nvim, text, 'missing-required');
    assert.deepEqual(actions.map((a) => a.title), ['Insert `address 198.18.0.13`']);
  });
  test('a look-alike of another keyword does not block the insert fix', async () => {
    // `rol` is a misspelling of `role`, which is present; `address` is still missing.
    const text = BASE.replace('lb lb1 { address 198.18.0.11; role primary }', 'lb lb1 { role primary; rol primary }');
    const { actions } = await actionsFor(nvim, text, 'missing-required');
    assert.deepEqual(actions.map((a) => a.title), ['Insert `address 198.18.0.13`']);
  });
});

describe('unknown-reference offers the closest existing name', () => {
  test('servers wbe2 → Change to `web2` (preferred), and Create', async () => {
    const { actions } = await actionsFor(nvim, BASE.replace('servers web1 web2', 'servers web1 wbe2'), 'unknown-reference');
    assert.deepEqual(actions.map((a) => a.title), ['Change to `web2`', 'Create `upstream wbe2`']);
    assert.equal(actions[0]!.isPreferred, true);
    assert.equal(actions[0]!.text, BASE);
  });
  test('every close name is offered, closest first', async () => {
    const text = BASE.replace('servers web1 web2', 'servers web');
    const { actions } = await actionsFor(nvim, text, 'unknown-reference');
    assert.deepEqual(actions.map((a) => a.title), ['Change to `web1`', 'Change to `web2`', 'Create `upstream web`']);
    assert.equal(actions[1]!.text, BASE.replace('servers web1 web2', 'servers web2'));
  });
  test('near miss: no name is close, or the close ones are already listed → only Create', async () => {
    for (const s of ['servers web1 web2 web3', 'servers web1 database']) {
      const { actions } = await actionsFor(nvim, BASE.replace('servers web1 web2', s), 'unknown-reference');
      assert.deepEqual(actions.map((a) => a.title), [`Create \`upstream ${s.split(' ').pop()}\``], s);
    }
  });
});

describe('an invalid rename answers RequestFailed with the reason', () => {
  const cases: [string, string, RegExp][] = [
    [BASE.replace('upstream web2', 'upstream w|eb2'), '9bad', /not a valid name/],
    [BASE.replace('upstream web2', 'upstream w|eb2'), 'lb1', /already taken/],
    [BASE.replace('{ address 198.18.0.21', '{ add|ress 198.18.0.21'), 'x', /can be renamed/],
  ];
  for (const [input, newName, message] of cases) {
    test(`${newName} at ${JSON.stringify(input.split('\n').find((l) => l.includes('|')))}`, async () => {
      const { text, offset } = cursor(input);
      const u = uri();
      await nvim.open(u, text);
      await assert.rejects(
        nvim.conn.sendRequest(RenameRequest.type, { textDocument: { uri: u }, position: new LineIndex(text).position(offset), newName }),
        (e: { code?: number; message?: string }) => {
          assert.equal(e.code, REQUEST_FAILED, `code ${e.code}: ${e.message}`);
          assert.match(e.message!, message);
          return true;
        });
    });
  }
});
