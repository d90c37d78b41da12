/** Go to definition, find references and rename for lb, upstream and site names. */
import type { Arg, Span, SyntaxTree } from '../syntax/ast.js';
import type { Resolved } from '../model/resolve.js';
import { NAME_RE } from '../schema/schema.js';
import type { TextEdit } from '../edit/text-edits.js';
import { locate } from './locate.js';

export interface SymbolRef {
  kind: 'lb' | 'upstream' | 'site' | 'vip';
  name: string;
  declaration: Span | undefined;
  references: Span[];
}

const span = (a: Arg): Span => ({ start: a.start, end: a.end });

/** The named thing under the cursor, with its declaration and every reference. */
export function symbolAt(tree: SyntaxTree, r: Resolved, offset: number): SymbolRef | undefined {
  const at = locate(tree, offset);
  if (!at || !at.arg || at.argIndex < 0) return undefined;
  const kw = at.stmt.keyword.value;
  let kind: SymbolRef['kind'] | undefined;
  if (!at.parent && (kw === 'lb' || kw === 'upstream' || kw === 'site') && at.argIndex === 0) kind = kw;
  else if (at.parent?.keyword.value === 'site' && kw === 'servers') kind = 'upstream';
  else if (at.parent?.keyword.value === 'site' && kw === 'vip') kind = 'vip';
  if (!kind) return undefined;
  const name = at.arg.value;
  if (kind === 'vip') {
    const bare = name.split('/')[0];
    const v = r.model.vips.find((x) => x.address === bare);
    return { kind, name: bare!, declaration: v?.nameSpan, references: [span(at.arg)] };
  }
  return collect(r, kind, name);
}

export function collect(r: Resolved, kind: 'lb' | 'upstream' | 'site', name: string): SymbolRef {
  const decls = kind === 'lb' ? r.lbs : kind === 'upstream' ? r.upstreams : r.sites;
  const decl = decls.find((n) => n.stmt.args[0]?.value === name)?.stmt.args[0];
  const references: Span[] = [];
  if (kind === 'upstream') {
    for (const s of r.sites) for (const st of s.props.get('servers') ?? []) for (const a of st.args) if (a.value === name) references.push(span(a));
  }
  return { kind, name, declaration: decl ? span(decl) : undefined, references };
}

export interface RenameResult {
  edits: TextEdit[];
}

export function rename(tree: SyntaxTree, r: Resolved, offset: number, newName: string): RenameResult | { error: string } {
  const sym = symbolAt(tree, r, offset);
  if (!sym || sym.kind === 'vip') return { error: 'Only lb, upstream and site names can be renamed.' };
  if (!NAME_RE.test(newName)) return { error: `\`${newName}\` is not a valid name: start with a letter; use letters, digits, \`_\` or \`-\`.` };
  const taken = sym.kind === 'site' ? r.model.sites.map((s) => s.name) : [...r.model.lbs, ...r.model.upstreams].map((h) => h.name);
  if (newName !== sym.name && taken.includes(newName)) return { error: `The name \`${newName}\` is already taken.` };
  const spans = [...(sym.declaration ? [sym.declaration] : []), ...sym.references];
  return { edits: spans.map((s) => ({ span: s, newText: newName })) };
}
