/**
 * Completion in-process (language/completion.ts), on small files with the answers written out:
 * which keywords a block still takes, enum values, references, secrets, the span a pick replaces,
 * and the places where nothing is offered. test/lsp/server.test.ts checks the same over stdio.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../server/src/engine.js';
import { complete, plainText, type CompletionEntry } from '../../../server/src/language/completion.js';
import { BASE, cursor } from '../../helpers/markers.js';

/** Completion at the `|` of `input`. */
function at(input: string): { entries: CompletionEntry[]; text: string; offset: number } {
  const { text, offset } = cursor(input);
  const a = analyze(text);
  return { entries: complete(a.tree, a.model, offset), text, offset };
}

const labels = (entries: CompletionEntry[]) => entries.map((e) => e.label);

test('in an lb block: the keywords it does not have yet, in schema order', () => {
  const { entries } = at(BASE.replace('role primary }', 'role primary; | }'));
  assert.deepEqual(labels(entries), ['priority', 'interface', 'ssh', 'key', 'os']);
  assert.ok(entries.every((e) => e.kind === 'keyword' && !e.isSnippet));
});

test('in an empty lb block: the required keywords sort first', () => {
  const { entries } = at(`${BASE}lb lb3 { | }\n`);
  const sorted = [...entries].sort((a, b) => a.sortText!.localeCompare(b.sortText!));
  assert.deepEqual(labels(sorted).slice(0, 2), ['address', 'role']);
  assert.deepEqual(labels(entries), ['address', 'role', 'priority', 'interface', 'ssh', 'key', 'os']);
});

test('at the top level: repeatable blocks are offered again, the topology statement is not', () => {
  const { entries } = at(`${BASE}|`);
  const names = labels(entries);
  assert.ok(!names.includes('topology'), 'one topology per file');
  for (const k of ['lb', 'upstream', 'site', 'stats']) assert.ok(names.includes(k), k);
  const stats = entries.find((e) => e.label === 'stats')!;
  assert.equal(stats.kind, 'snippet');
  assert.equal(stats.isSnippet, true);
  // What a client without snippet support inserts: the placeholders' defaults, two-space indent.
  assert.equal(plainText(stats), 'stats {\n  listen 8080\n  password env:HALAB_STATS_PASSWORD\n}');
});

test('after a keyword: its enum values', () => {
  const { entries, offset } = at(BASE.replace('role primary', 'role |'));
  assert.deepEqual(labels(entries), ['primary', 'backup']);
  assert.equal(entries[0]!.detail, 'role primary');
  assert.deepEqual(entries[0]!.replace, { start: offset, end: offset });
});

test('inside a word: the pick replaces the whole word', () => {
  const { entries, text, offset } = at(BASE.replace('role primary', 'role pr|imary'));
  assert.deepEqual(labels(entries), ['primary', 'backup']);
  const r = entries[0]!.replace;
  assert.equal(r.start, offset - 2);
  assert.equal(text.slice(r.start, r.end), 'primary');
});

test('after servers: the upstreams the site does not list yet', () => {
  const { entries } = at(BASE.replace('servers web1 web2', 'servers web1 |'));
  assert.deepEqual(entries.map((e) => [e.label, e.kind, e.detail]), [['web2', 'reference', 'upstream 198.18.0.22:80']]);
});

test("after a site's vip: the vip addresses", () => {
  const { entries } = at(BASE.replace('servers web1 web2 }', 'servers web1 web2; vip | }'));
  assert.deepEqual(entries.map((e) => [e.label, e.detail]), [['198.18.0.100', 'vip 198.18.0.100/24 (router-id 51)']]);
});

test('a secret: the suggested env variable first, then env: and secret: to fill in', () => {
  const { entries } = at(`${BASE}stats { password | }\n`);
  assert.deepEqual(labels(entries), ['env:HALAB_STATS_PASSWORD', 'env:', 'secret:']);
  assert.deepEqual(entries.map((e) => e.isSnippet), [false, true, true]);
  assert.deepEqual(entries.map(plainText), ['env:HALAB_STATS_PASSWORD', 'env:', 'secret:']);
});

test('nothing in a comment, inside a string, after an unknown keyword or past the last argument', () => {
  assert.deepEqual(at(`${BASE}# lb |\n`).entries, []);
  assert.deepEqual(at(BASE.replace('servers web1 web2 }', 'servers web1 web2; page "a | }')).entries, []);
  assert.deepEqual(at(BASE.replace('role primary', 'rolle |')).entries, []);
  assert.deepEqual(at(BASE.replace('role primary', 'role primary |')).entries, []);
});

test('inside a pass-through string: the directives of its section, replacing what is typed of the string', () => {
  const { entries, text } = at(BASE.replace('servers web1 web2 }', 'servers web1 web2; backend "stick-t| }'));
  const names = labels(entries);
  assert.ok(names.includes('stick-table') && names.includes('http-request') && names.includes('option httpchk'), names.slice(0, 20).join());
  assert.ok(!names.includes('bind'), 'bind is a frontend directive, not a backend one');
  const e = entries.find((x) => x.label === 'stick-table')!;
  assert.equal(text.slice(e.replace.start, e.replace.end), 'stick-t');
  // halab's own directives sort last and say which statement writes them
  const balance = entries.find((x) => x.label === 'balance')!;
  assert.match(balance.detail!, /halab writes it: `balance` in the site block/);
  assert.ok(balance.sortText! > e.sortText!);
  // a multi-word directive: what is typed of the string so far is replaced
  const { entries: more, text: t2 } = at(BASE.replace('servers web1 web2 }', 'servers web1 web2; backend "option http| }'));
  const opt = more.find((x) => x.label === 'option httpchk')!;
  assert.equal(t2.slice(opt.replace.start, opt.replace.end), 'option http');
  // keepalived's vrrp_instance directives in a vip block
  const { entries: ka } = at(BASE.replace('{ router-id 51 }', '{ router-id 51; keepalived "notify_m| }'));
  assert.ok(labels(ka).includes('notify_master') && !labels(ka).includes('global_defs'));
  // among the directive's arguments: nothing
  assert.deepEqual(at(BASE.replace('servers web1 web2 }', 'servers web1 web2; backend "stick-table type |ip" }')).entries, []);
});
