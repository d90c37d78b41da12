/**
 * Go to definition, find references and rename for lb, upstream and site names. What a name's
 * declarations and references are, and which new names are refused, is decided here only: the
 * diagram's intents (edit/intents.ts) rename and check names through the same functions.
 */
import type { Arg, Span, Statement, SyntaxTree } from '../syntax/ast.js';
import type { Resolved } from '../model/resolve.js';
import { NAME_RE } from '../schema/schema.js';
import type { TextEdit } from '../edit/text-edits.js';
import { locate } from './locate.js';

export interface SymbolRef {
  kind: NamedKind | 'vip';
  name: string;
  declaration: Span | undefined;
  references: Span[];
}

const span = (a: Arg): Span => ({ start: a.start, end: a.end });

/** The names a rename can change and references point to. */
export type NamedKind = 'lb' | 'upstream' | 'site';

/** The top-level `kind name` statements (more than one only in a file with a duplicate-name error). */
export function declarations(tree: SyntaxTree, kind: NamedKind, name: string): Statement[] {
  return tree.statements.filter((s) => s.keyword.value === kind && s.args[0]?.value === name);
}

/** The blocks whose `servers` and `vip` refer to upstreams and vips. */
const REFERRING = new Set(['site', 'service']);

/** Every `servers` argument naming `upstream`: the site or service, the statement and the argument's index. */
export function upstreamReferences(tree: SyntaxTree, upstream: string): { site: Statement; stmt: Statement; index: number }[] {
  const out: { site: Statement; stmt: Statement; index: number }[] = [];
  for (const site of tree.statements) {
    if (!REFERRING.has(site.keyword.value)) continue;
    for (const stmt of site.block?.statements ?? []) {
      if (stmt.keyword.value !== 'servers') continue;
      stmt.args.forEach((a, index) => a.value === upstream && out.push({ site, stmt, index }));
    }
  }
  return out;
}

/**
 * Why `name` cannot be given to a new or renamed `kind`, if it cannot. lbs and upstreams share
 * one namespace (each is a host, and host names must be unique); sites share theirs with the TCP
 * services (each is an HAProxy proxy).
 */
export function nameRefusal(tree: SyntaxTree, kind: NamedKind, name: string): 'invalid' | 'taken' | undefined {
  if (!NAME_RE.test(name)) return 'invalid';
  const kinds: string[] = kind === 'site' ? ['site', 'service'] : ['lb', 'upstream'];
  return tree.statements.some((s) => kinds.includes(s.keyword.value) && s.args[0]?.value === name) ? 'taken' : undefined;
}

/** The arguments that refer to `kind name`: only upstreams are referred to (by `servers`). */
function referenceSpans(tree: SyntaxTree, kind: NamedKind, name: string): Span[] {
  return kind === 'upstream' ? upstreamReferences(tree, name).map((r) => span(r.stmt.args[r.index]!)) : [];
}

/** What renaming `kind from` rewrites: each declaration's name and each reference. */
export function renameSpans(tree: SyntaxTree, kind: NamedKind, from: string): Span[] {
  return [...declarations(tree, kind, from).map((s) => span(s.args[0]!)), ...referenceSpans(tree, kind, from)];
}

/** The named thing under the cursor, with its declaration and every reference. */
export function symbolAt(tree: SyntaxTree, r: Resolved, offset: number): SymbolRef | undefined {
  const at = locate(tree, offset);
  if (!at || !at.arg || at.argIndex < 0) return undefined;
  const kw = at.stmt.keyword.value;
  let kind: SymbolRef['kind'] | undefined;
  if (!at.parent && (kw === 'lb' || kw === 'upstream' || kw === 'site') && at.argIndex === 0) kind = kw;
  else if (REFERRING.has(at.parent?.keyword.value ?? '') && kw === 'servers') kind = 'upstream';
  else if (REFERRING.has(at.parent?.keyword.value ?? '') && kw === 'vip') kind = 'vip';
  if (!kind) return undefined;
  const name = at.arg.value;
  if (kind === 'vip') {
    const bare = name.split('/')[0];
    const v = r.model.vips.find((x) => x.address === bare);
    return { kind, name: bare!, declaration: v?.nameSpan, references: [span(at.arg)] };
  }
  return collect(tree, kind, name);
}

/** A name's first declaration (where go-to-definition lands) and, for an upstream, its references. */
export function collect(tree: SyntaxTree, kind: NamedKind, name: string): SymbolRef {
  const decl = declarations(tree, kind, name)[0]?.args[0];
  return { kind, name, declaration: decl ? span(decl) : undefined, references: referenceSpans(tree, kind, name) };
}

export interface RenameResult {
  edits: TextEdit[];
}

export function rename(tree: SyntaxTree, r: Resolved, offset: number, newName: string): RenameResult | { error: string } {
  const sym = symbolAt(tree, r, offset);
  if (!sym || sym.kind === 'vip') return { error: 'Only lb, upstream and site names can be renamed.' };
  const refusal = nameRefusal(tree, sym.kind, newName);
  if (refusal === 'invalid') {
    return { error: `\`${newName}\` is not a valid name: start with a letter; use letters, digits, \`_\` or \`-\`.` };
  }
  if (refusal === 'taken' && newName !== sym.name) return { error: `The name \`${newName}\` is already taken.` };
  return { edits: renameSpans(tree, sym.kind, sym.name).map((s) => ({ span: s, newText: newName })) };
}
