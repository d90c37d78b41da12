/**
 * Hover: the keyword's doc, its type and default, what it means for keepalived/haproxy/nginx,
 * and for vip/lb/site/stats/upstream statements the config lines they render to.
 */
import type { SyntaxTree } from '../syntax/ast.js';
import type { Topology } from '../../../shared/model/types.js';
import type { KeywordSpec } from '../schema/schema.js';
import { PASS_SECTIONS, directiveOf, type PassSection } from '../schema/pass-through.js';
import { locate } from './locate.js';

export interface HoverResult {
  markdown: string;
  span: { start: number; end: number };
}

/** Renders config lines for a statement; injected so the language layer does not depend on render. */
export type Explainer = (
  model: Topology,
  target: { kind: 'vip' | 'lb' | 'site' | 'service' | 'stats' | 'upstream'; name: string },
) => { host: string; path: string; lines: string[] }[];

export function keywordMarkdown(k: KeywordSpec): string {
  const sig = [k.keyword, ...k.args.map((a) => a.label), ...(k.rest ? [`${k.rest.label}+`] : []), ...(k.block ? ['{ … }'] : [])]
    .join(' ');
  const parts = [`\`\`\`halab\n${sig}\n\`\`\``, k.doc];
  const enumArg = [...k.args, ...(k.rest ? [k.rest] : [])].find((a) => a.type === 'enum');
  if (enumArg) parts.push(`Values: ${enumArg.values!.map((v) => `\`${v}\``).join(', ')}.`);
  const range = k.args.find((a) => a.type === 'int');
  if (range) parts.push(`Range: ${range.min}–${range.max}.`);
  const facts = [k.required ? '**Required.**' : '', k.default ? `Default: \`${k.default}\`.` : ''].filter(Boolean).join(' ');
  if (facts) parts.push(facts);
  if (k.renders) parts.push(`Renders to — ${k.renders}`);
  return parts.join('\n\n');
}

/** What the daemon's manual says of the directive a pass-through line starts with. */
function directiveMarkdown(line: string, section: PassSection): string {
  const s = PASS_SECTIONS[section];
  const d = directiveOf(line, section);
  if (!d) return `Not a ${s.daemon} directive line.`;
  const where = `${s.daemon} ${s.version}, \`${s.section}\``;
  if (s.owned[d.name]) return `**\`${d.name}\`** — halab writes it itself: use ${s.owned[d.name]}.`;
  if (!s.directives.includes(d.name)) {
    return `**\`${d.name}\`** is not a directive of ${where} in its manual: ` +
      `\`${s.daemon === 'haproxy' ? 'haproxy -c' : 'keepalived -t'}\` ` +
      'on the target judges it when the file is rendered and deployed.';
  }
  const ref = s.daemon === 'haproxy'
    ? `the [HAProxy ${s.version} configuration manual](https://docs.haproxy.org/${s.version}/configuration.html)`
    : '`man 5 keepalived.conf`';
  return `**\`${d.name}\`** — a directive of ${where}. See ${ref}.`;
}

const EXPLAINABLE = new Set(['vip', 'lb', 'site', 'service', 'stats', 'upstream']);

export function hover(tree: SyntaxTree, model: Topology, offset: number, explain?: Explainer): HoverResult | undefined {
  const at = locate(tree, offset);
  if (!at || !at.spec) return undefined;
  const { stmt, spec, arg } = at;
  let md: string;
  if (at.argIndex === -1) {
    md = keywordMarkdown(spec);
  } else if (arg && spec.args[0]?.type === 'pass-line') {
    md = `${directiveMarkdown(arg.value, spec.args[0].section!)}\n\n---\n\n${keywordMarkdown(spec)}`;
  } else if (spec.keyword === 'servers' && arg) {
    const u = model.upstreams.find((x) => x.name === arg.value);
    md = u
      ? `**upstream ${u.name}** — ${u.address}:${u.port}, weight ${u.weight}${u.backup ? ', backup' : ''}` +
        `${u.managed ? '' : ', not managed'}`
      : `No upstream \`${arg.value}\`.`;
  } else {
    md = keywordMarkdown(spec);
  }
  // Config lines for the block statements the renderer knows how to explain.
  if (explain && at.parent === undefined && EXPLAINABLE.has(spec.keyword)) {
    const name = spec.keyword === 'vip'
      ? (model.vips.find((v) => v.span.start === stmt.start)?.address ?? '')
      : spec.keyword === 'stats' ? 'stats' : stmt.args[0]?.value ?? '';
    try {
      const out = explain(model, { kind: spec.keyword as 'vip', name });
      const shown = out.filter((o) => o.lines.length).slice(0, 4);
      if (shown.length) {
        md += '\n\n---\n\n' + shown.map((o) => `**${o.host}:${o.path}**\n\`\`\`\n${o.lines.slice(0, 30).join('\n')}\n\`\`\``).join('\n\n');
      }
    } catch {
      // Hover must never fail because of a half-typed file.
    }
  }
  const target = arg ?? stmt.keyword;
  return { markdown: md, span: { start: target.start, end: target.end } };
}
