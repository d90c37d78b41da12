/**
 * Renaming has one owner (language/navigation.ts): the editor's rename (LSP) and the diagram's
 * rename intent must change the same bytes and refuse the same names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../../server/src/engine.js';
import { rename } from '../../../server/src/language/navigation.js';
import { applyEdits, planIntent } from '../../../server/src/edit/intents.js';
import type { NodeKind } from '../../../shared/protocol/webview.js';

const SEED = readFileSync(new URL('../../../examples/seed-lab.halab', import.meta.url), 'utf8');

function viaEditor(text: string, kind: NodeKind, from: string, to: string): string | 'refused' {
  const a = analyze(text);
  const decl = a.tree.statements.find((s) => s.keyword.value === kind && s.args[0]?.value === from)!;
  const r = rename(a.tree, a.resolved, decl.args[0]!.start, to);
  return 'error' in r ? 'refused' : applyEdits(text, r.edits);
}

function viaDiagram(text: string, kind: NodeKind, from: string, to: string): string | 'refused' {
  const plan = planIntent(analyze(text).tree, 1, 1, { op: 'rename', kind, from, to });
  return plan.ok ? applyEdits(text, plan.edits) : 'refused';
}

test('the editor and the diagram rename alike: same text, same refusals', () => {
  const m = analyze(SEED).model;
  const names: [NodeKind, string][] = [
    ...m.lbs.map((l): [NodeKind, string] => ['lb', l.name]),
    ...m.upstreams.map((u): [NodeKind, string] => ['upstream', u.name]),
    ...m.sites.map((s): [NodeKind, string] => ['site', s.name]),
  ];
  // A fresh name, another host's or site's name (taken only in its own namespace), an invalid one.
  const targets = ['fresh-name', m.lbs[0]!.name, m.upstreams[0]!.name, m.sites[0]!.name, '9bad'];
  for (const [kind, from] of names) {
    for (const to of targets.filter((t) => t !== from)) {
      assert.equal(viaEditor(SEED, kind, from, to), viaDiagram(SEED, kind, from, to), `${kind} ${from} -> ${to}`);
    }
  }
  assert.notEqual(viaDiagram(SEED, 'upstream', m.upstreams[0]!.name, 'fresh-name'), 'refused');
});

test('renaming an upstream renames it in a TCP service\'s servers too; a site cannot take a service\'s name', () => {
  const text = `${SEED}\nservice db {\n  listen 5432\n  servers upstream01 upstream02\n}\n`;
  const renamed = viaEditor(text, 'upstream', 'upstream01', 'web9');
  assert.notEqual(renamed, 'refused');
  assert.match(renamed as string, /service db \{\n {2}listen 5432\n {2}servers web9 upstream02\n\}/);
  assert.equal(viaEditor(text, 'site', analyze(text).model.sites[0]!.name, 'db'), 'refused');
  assert.equal(viaDiagram(text, 'site', analyze(text).model.sites[0]!.name, 'db'), 'refused');
});
