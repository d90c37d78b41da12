/** Document symbols (the outline): top-level blocks with their inner statements as children. */
import type { Span, SyntaxTree } from '../syntax/ast.js';

export interface OutlineSymbol {
  name: string;
  detail: string;
  kind: 'namespace' | 'constant' | 'class' | 'object' | 'struct' | 'property' | 'module';
  span: Span;
  selection: Span;
  children: OutlineSymbol[];
}

const KIND: Record<string, OutlineSymbol['kind']> = {
  topology: 'namespace', vip: 'constant', lb: 'class', upstream: 'object', site: 'struct',
};

export function outline(tree: SyntaxTree): OutlineSymbol[] {
  return tree.statements.map((st) => {
    const name = st.args[0] ? `${st.keyword.value} ${st.args[0].value}` : st.keyword.value;
    const sel = st.args[0] ?? st.keyword;
    return {
      name,
      detail: '',
      kind: KIND[st.keyword.value] ?? 'module',
      span: { start: st.start, end: st.end },
      selection: { start: sel.start, end: sel.end },
      children: (st.block?.statements ?? []).map((c) => ({
        name: c.keyword.value,
        detail: c.args.map((a) => a.value).join(' '),
        kind: 'property' as const,
        span: { start: c.start, end: c.end },
        selection: { start: c.keyword.start, end: c.keyword.end },
        children: [],
      })),
    };
  });
}
