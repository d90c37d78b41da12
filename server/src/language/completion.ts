/**
 * Completion: keywords valid in the current block (snippets where a block follows), enum values,
 * upstream names after `servers`, vip addresses after a site's `vip`, `env:` for secrets, and the
 * daemon's directives inside a pass-through string.
 */
import type { Statement, SyntaxTree } from '../syntax/ast.js';
import type { Topology } from '../../../shared/model/types.js';
import { BLOCKS, type ArgSpec, type KeywordSpec } from '../schema/schema.js';
import { PASS_SECTIONS } from '../schema/pass-through.js';
import { enclosingBlock } from './locate.js';
import { keywordMarkdown } from './hover.js';
import { snippetText } from '../checks/missing-required.js';
import { secretField } from '../secrets.js';

export interface CompletionEntry {
  label: string;
  kind: 'keyword' | 'value' | 'reference' | 'snippet';
  detail?: string;
  documentation?: string;
  /** Snippet syntax when `isSnippet`. */
  insertText: string;
  isSnippet: boolean;
  /** For a client without snippet support, when the placeholders' defaults are not the right text. */
  plain?: string;
  /** The span the completion replaces (the partial word under the cursor). */
  replace: { start: number; end: number };
  sortText?: string;
}

const WORD_CHAR = /[^\s{};"#]/;

export function complete(tree: SyntaxTree, model: Topology, offset: number): CompletionEntry[] {
  const text = tree.text;
  let ws = offset;
  while (ws > 0 && WORD_CHAR.test(text[ws - 1]!)) ws--;
  let we = offset;
  while (we < text.length && WORD_CHAR.test(text[we]!)) we++;
  const replace = { start: ws, end: we };
  // The segment of the current statement before the word: back to a newline, `;`, `{` or `}`.
  let ss = ws;
  while (ss > 0 && !'\n;{}'.includes(text[ss - 1]!)) ss--;
  const before = text.slice(ss, ws);
  const { block, owner } = enclosingBlock(tree, ss === 0 ? 0 : ss);
  if ((before.match(/"/g) ?? []).length % 2 === 1) return directiveEntries(block.id, before, ss, we);
  if (before.includes('#')) return [];
  const words = before.trim().length ? before.trim().split(/\s+/) : [];
  if (words.length === 0) {
    // The statement whose keyword is the word being completed does not count as present: that
    // keyword is what the user is typing (`ro|`, `role|`, `ro|le primary` all offer `role`).
    const siblings = (owner ? owner.block?.statements ?? [] : tree.statements).filter((s) => s.keyword.start !== ws);
    return keywordEntries(block.id, siblings, replace);
  }
  const spec = block.keywords.find((k) => k.keyword === words[0]);
  if (!spec) return [];
  const argIndex = words.length - 1;
  const argSpec: ArgSpec | undefined = spec.args[argIndex] ?? spec.rest;
  if (!argSpec) return [];
  return valueEntries(argSpec, spec, words.slice(1), model, replace, block.id);
}

/**
 * Inside the string of a pass-through statement (`backend "sti|`): the directives of its section,
 * replacing what is typed of the string so far (a directive may be several words: `option httplog`).
 */
function directiveEntries(blockId: string, before: string, segmentStart: number, wordEnd: number): CompletionEntry[] {
  const m = /^\s*(\S+)\s+"([^"]*)$/.exec(before);
  const spec = m && BLOCKS[blockId]!.keywords.find((k) => k.keyword === m[1]);
  const arg = spec?.args[0];
  if (!m || arg?.type !== 'pass-line') return [];
  const typed = m[2]!;
  // only while the directive's name is being typed: not among its arguments
  if (/\s\S+\s/.test(` ${typed}`) && !PASS_SECTIONS[arg.section!].directives.some((d) => d.startsWith(typed.trimStart()))) return [];
  const s = PASS_SECTIONS[arg.section!];
  const start = segmentStart + before.length - typed.length + (typed.length - typed.trimStart().length);
  return s.directives.map((d) => ({
    label: d,
    kind: 'value' as const,
    detail: `${s.daemon} ${s.version}: \`${s.section}\`${s.owned[d] ? ` (halab writes it: ${s.owned[d]})` : ''}`,
    insertText: d,
    isSnippet: false,
    replace: { start, end: wordEnd },
    sortText: s.owned[d] ? `1${d}` : `0${d}`,
  }));
}

function keywordEntries(blockId: string, siblings: readonly Statement[], replace: CompletionEntry['replace']): CompletionEntry[] {
  const block = BLOCKS[blockId]!;
  const present = new Set(siblings.map((s) => s.keyword.value));
  return block.keywords
    .filter((k) => k.repeatable || !present.has(k.keyword))
    .map((k, i) => {
      const placeholders = k.args.map((a, j) => `\${${j + 1}:${a.label.toLowerCase()}}`).join(' ');
      const snippet = k.snippet ?? (k.block ? `${k.keyword} ${placeholders} {\n\t$0\n}` : undefined);
      return {
        label: k.keyword,
        kind: k.block ? 'snippet' : 'keyword',
        detail: signature(k),
        documentation: keywordMarkdown(k),
        insertText: snippet ?? (k.args.length || k.rest ? `${k.keyword} ` : k.keyword),
        isSnippet: snippet !== undefined,
        replace,
        // Required keywords first, then schema order.
        sortText: `${k.required && !present.has(k.keyword) ? '0' : '1'}${String(i).padStart(3, '0')}`,
      } satisfies CompletionEntry;
    });
}

export function signature(k: KeywordSpec): string {
  return [k.keyword, ...k.args.map((a) => a.label), ...(k.rest ? [`${k.rest.label}+`] : []), ...(k.block ? ['{ … }'] : [])].join(' ');
}

function valueEntries(
  arg: ArgSpec, kw: KeywordSpec, already: string[], model: Topology, replace: CompletionEntry['replace'], blockId: string,
): CompletionEntry[] {
  const mk = (label: string, kind: CompletionEntry['kind'], detail?: string): CompletionEntry =>
    ({ label, kind, detail, insertText: label, isSnippet: false, replace });
  switch (arg.type) {
    case 'enum':
      return arg.values!.map((v) => mk(v, 'value', `${kw.keyword} ${v}`));
    case 'upstream-ref':
      return model.upstreams
        .filter((u) => u.name && !already.includes(u.name))
        .map((u) => mk(u.name, 'reference', `upstream ${u.address}:${u.port}${u.backup ? ' backup' : ''}`));
    case 'vip-ref':
      return model.vips.filter((v) => v.address).map((v) => mk(v.address, 'reference', `vip ${v.cidr} (router-id ${v.routerId})`));
    case 'secret': {
      const env = secretField(blockId, kw.keyword)?.env ?? 'NAME';
      return [
        { ...mk(`env:${env}`, 'value', 'read from the environment at render/deploy time'), sortText: '0' },
        { label: 'env:', kind: 'value', detail: 'an environment variable',
          insertText: 'env:${1:NAME}', isSnippet: true, plain: 'env:', replace, sortText: '1' },
        { label: 'secret:', kind: 'value', detail: "the editor's secret store",
          insertText: 'secret:${1:NAME}', isSnippet: true, plain: 'secret:', replace, sortText: '2' },
      ];
    }
    default:
      return [];
  }
}

/**
 * The text of a snippet entry for a client that declared no snippet support: each placeholder
 * becomes its default (the first choice of a `${1|a,b|}`), tab stops vanish, tabs become two
 * spaces and no line keeps trailing blanks.
 */
export function plainText(e: CompletionEntry): string {
  if (!e.isSnippet) return e.insertText;
  return e.plain ?? snippetText(e.insertText).replace(/[ \t]+$/gm, '');
}
