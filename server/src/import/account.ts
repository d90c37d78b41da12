/**
 * Accounting: renders the draft and settles every input line inference left open. A line the
 * render writes the same in the matching section is a default; any other becomes a pass-through
 * statement of the block that owns the section (the pass-through table judges it), or, when halab
 * writes that directive itself, a replaced line listed as a difference; what has no place is an
 * error naming its line.
 */
import { analyze } from '../engine.js';
import { LineIndex } from '../syntax/line-index.js';
import { render, SYNC_GROUP_TRACKING } from '../render/render.js';
import { PATHS } from '../render/names.js';
import { parsePassLine } from '../schema/pass-through.js';
import { parseSectionName } from '../schema/value-types.js';
import type { SecretResolver } from '../secrets.js';
import type { RenderResult } from '../render/types.js';
import { normalizeLine, parseHaproxyCfg, type CfgSection } from './haproxy-cfg.js';
import { oneLine, parseKeepalivedConf, subtree, type KaNode } from './keepalived-conf.js';
import type { Inferred, LbIn, SectionTarget } from './infer.js';
import type { Ledger } from './ledger.js';
import { draftText } from './emit.js';
import type { Draft, DraftBlock, Went } from './types.js';
import { HAPROXY_SECTION_KINDS, KEEPALIVED_SECTION_KINDS } from '../../../shared/model/values.js';

export interface Rendered {
  text: string;
  result?: RenderResult;
  /** The .halab diagnostics of the draft (an import bug or an input halab refuses). */
  problems: { line: number; message: string }[];
}

/** Renders the draft; `problems` are its error diagnostics (the caller decides: none may remain). */
export function renderDraft(draft: Draft, secrets: SecretResolver, source: string): Rendered {
  const text = draftText(draft);
  const a = analyze(text, source);
  const lines = new LineIndex(text);
  const problems = a.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => ({ line: lines.position(d.span.start).line + 1, message: `${d.code}: ${d.message}` }));
  // A topology halab's checks refuse (a weight that cannot move the VIP) still renders, and that
  // render settles the input lines; a draft the renderer cannot take has none.
  try {
    return { text, result: render(a.model, { secrets, source }), problems };
  } catch (e) {
    return { text, problems: [...problems, { line: 0, message: (e as Error).message }] };
  }
}

const norm = normalizeLine;

function renderedFile(r: RenderResult, host: string, path: string): string | undefined {
  return r.files.find((f) => f.host === host && f.path === path)?.content;
}

interface Settler {
  ledger: Ledger;
  draft: Draft;
  inf: Inferred;
  /** Pass-through lines already added, by owner: a line on every lb is added once. */
  added: Set<string>;
}

/** A section halab has no block for, kept whole as a `haproxy-section` block of the draft (once for every lb). */
function rawHaproxy(s: Settler, sec: CfgSection, host: string): SectionTarget | undefined {
  if (!(HAPROXY_SECTION_KINDS as readonly string[]).includes(sec.kind) || !parseSectionName(sec.name).ok) return undefined;
  const name = `${sec.kind} ${sec.name}`;
  if (!s.draft.blocks.some((b) => b.kind === 'haproxy-section' && b.name === name)) {
    const block: DraftBlock = { kind: 'haproxy-section', name, lines: [], pass: [] };
    // what the defaults section before it said differently from the first (infer-haproxy.ts scopeDefaults)
    const prelude = s.inf.preludes.get(`${host}\u0000${sec.kind} ${sec.name}`);
    if (prelude) block.pass.push(...prelude.map((line) => ({ keyword: 'haproxy', line })));
    s.draft.blocks.push(block);
  }
  return { rendered: name, block: { kind: 'haproxy-section', name }, keyword: 'haproxy', pass: 'haproxy-section' };
}

/** A keepalived block halab has no statement for, kept whole as a `keepalived-section` block. */
function rawKeepalived(s: Settler, node: KaNode): SectionTarget | undefined {
  const [kind, name] = node.words;
  if (!(KEEPALIVED_SECTION_KINDS as readonly string[]).includes(kind ?? '') || !parseSectionName(name ?? '').ok || node.words.length !== 2) {
    return undefined;
  }
  const full = `${kind} ${name}`;
  if (!s.draft.blocks.some((b) => b.kind === 'keepalived-section' && b.name === full)) {
    s.draft.blocks.push({ kind: 'keepalived-section', name: full, lines: [], pass: [] });
  }
  return { rendered: full, block: { kind: 'keepalived-section', name: full }, keyword: 'keepalived', pass: 'keepalived-section' };
}

function addPass(s: Settler, target: SectionTarget, line: string, owner?: string): void {
  const block: DraftBlock | undefined = target.block
    ? s.draft.blocks.find((b) => b.kind === target.block!.kind && b.name === (owner ?? target.block!.name))
    : undefined;
  const key = `${block?.kind ?? ''}\u0000${block?.name ?? ''}\u0000${target.keyword}\u0000${line}`;
  if (s.added.has(key)) return;
  s.added.add(key);
  (block ? block.pass : s.draft.topPass).push({ keyword: target.keyword, line });
}

/** One open line: default, pass-through, replaced or error. */
function settle(s: Settler, lb: LbIn, file: string, d: { line: number; text: string }, onePass: string,
  target: SectionTarget | undefined, renderedLines: Set<string>, owner?: string): void {
  const host = lb.host.name;
  if (s.ledger.has(host, file, d.line)) return;
  if (renderedLines.has(norm(onePass))) {
    s.ledger.mark(host, file, d.line, d.text, 'default', 'halab renders the same line');
    return;
  }
  if (target && !target.block && (target.keyword === 'frontend' || target.keyword === 'backend')) {
    s.ledger.mark(host, file, d.line, d.text, 'error', `its ${target.keyword} routes no Host to a site, so its lines have no place in a .halab file yet (see docs/import.md)`);
    return;
  }
  if (!target) {
    s.ledger.mark(host, file, d.line, d.text, 'error', 'its section has no place in a .halab file (see docs/import.md)');
    return;
  }
  // global settings are single-valued: halab's own line for the same setting replaces the input's
  const key = onePass.trim().split(/\s+/)[0];
  const own = target.pass === 'haproxy-global' && key !== 'log' ? [...renderedLines].find((l) => l.split(' ')[0] === key) : undefined;
  if (own) {
    s.ledger.mark(host, file, d.line, d.text, 'replaced', `halab writes \`${own}\``);
    return;
  }
  const judged = parsePassLine(onePass, target.pass);
  if (judged.ok) {
    addPass(s, target, judged.value, owner);
    const where = target.block ? `${target.block.kind} ${owner ?? target.block.name}` : 'the top level';
    s.ledger.mark(host, file, d.line, d.text, 'pass-through', `\`${target.keyword} "…"\` in ${where}`);
  } else if (/does not write itself/.test(judged.message)) {
    s.ledger.mark(host, file, d.line, d.text, 'replaced', judged.message.replace(/^a directive halab does not write itself: /, ''));
  } else {
    s.ledger.mark(host, file, d.line, d.text, 'error', `cannot be a pass-through line: it must be ${judged.message}`);
  }
}

/** The lines every rendered frontend has. */
function everyFrontend(rendered: Map<string, CfgSection>): string[] {
  const fes = [...rendered.values()].filter((x) => x.kind === 'frontend').map((x) => new Set(x.directives.map((d) => norm(d.text))));
  return fes.length ? [...fes[0]!].filter((l) => fes.every((f) => f.has(l))) : [];
}

function sectionsByKey(text: string | undefined): Map<string, CfgSection> {
  const out = new Map<string, CfgSection>();
  if (text === undefined) return out;
  for (const sec of parseHaproxyCfg(text).sections) out.set(`${sec.kind} ${sec.name}`, sec);
  return out;
}

/** haproxy.cfg of one lb: every section's open lines against its rendered counterpart. */
function settleHaproxy(s: Settler, lb: LbIn, r: RenderResult): void {
  if (!lb.cfg) return;
  const rendered = sectionsByKey(renderedFile(r, lb.host.name, PATHS.haproxy));
  for (const sec of lb.cfg.sections) {
    const key = `${sec.kind} ${sec.name}`;
    let target = s.inf.targets.get(`${lb.host.name}\u0000${key}`);
    if (target && !target.block && target.keyword === 'frontend') {
      // a frontend that routes no Host to a site: kept whole rather than taken apart
      for (const d of [sec, ...sec.directives]) s.ledger.unmark(lb.host.name, PATHS.haproxy, d.line);
      target = undefined;
    }
    let counterpart = rendered.get(target?.rendered ?? key);
    if (!target && !counterpart) {
      target = rawHaproxy(s, sec, lb.host.name);
      if (target) s.ledger.mark(lb.host.name, PATHS.haproxy, sec.line, sec.text, 'pass-through', `haproxy-section ${key}`);
      counterpart = undefined;
    }
    const lines = new Set(counterpart?.directives.map((d) => norm(d.text)) ?? []);
    // halab writes some defaults-section lines in each HTTP frontend instead (option forwardfor)
    if (sec.kind === 'defaults') for (const l of everyFrontend(rendered)) lines.add(l);
    if (!s.ledger.has(lb.host.name, PATHS.haproxy, sec.line)) {
      const went = target ? 'statement' : counterpart ? 'generated' : 'error';
      s.ledger.mark(lb.host.name, PATHS.haproxy, sec.line, sec.text, went,
        target ? `section ${key}` : counterpart ? "halab's own section" : `section \`${sec.kind}\` has no place in a .halab file yet (see docs/import.md)`);
    }
    let owner: string | undefined;
    let left = 0;
    for (const d of sec.directives) {
      // halab's comment before a site's pass-through lines says which site they are of
      const c = sec.comments.filter((x) => x.line === d.line).map((x) => /^# pass-through: (\d+) line\(s\) of site (\S+)'s/.exec(x.text)).find(Boolean);
      if (c) (owner = c[2]), (left = Number(c[1]));
      settle(s, lb, PATHS.haproxy, d, d.text, counterpart || target ? target : undefined, lines, left-- > 0 ? owner : undefined);
    }
  }
}

function flatten(nodes: KaNode[] | undefined): Set<string> {
  return new Set((nodes ?? []).map((n) => norm(oneLine(n))));
}

/** keepalived.conf of one lb: global_defs, instances and top-level blocks. */
function settleKeepalived(s: Settler, lb: LbIn, r: RenderedResultLike): void {
  if (!lb.ka) return;
  const out = parseKeepalivedConf(renderedFile(r, lb.host.name, PATHS.keepalived) ?? '');
  const renderedTop = new Map(out.nodes.map((n) => [n.words.slice(0, 2).join(' '), n]));
  const topLines = flatten(out.nodes);
  const globalTarget: SectionTarget = { rendered: 'global_defs', keyword: 'keepalived', pass: 'keepalived-global' };
  for (const node of lb.ka.nodes) {
    const key = node.words.slice(0, 2).join(' ');
    const mark = (went: 'statement' | 'generated' | 'default', detail: string) =>
      s.ledger.has(lb.host.name, PATHS.keepalived, node.line) || s.ledger.mark(lb.host.name, PATHS.keepalived, node.line, node.text, went, detail);
    if (node.words[0] === 'global_defs') {
      mark('statement', 'global_defs');
      const lines = flatten(renderedTop.get('global_defs')?.children);
      for (const c of node.children ?? []) settleKa(s, lb, c, globalTarget, lines);
    } else if (node.words[0] === 'vrrp_instance') {
      const target = s.inf.targets.get(`${lb.host.name}\u0000vrrp_instance ${node.words[1]}`);
      const lines = flatten(renderedTop.get(target?.rendered ?? key)?.children);
      for (const c of node.children ?? []) settleKa(s, lb, c, target, lines);
    } else if (topLines.has(norm(oneLine(node)))) {
      markTree(s, lb, node, 'default', 'halab renders the same block');
    } else if (!s.ledger.has(lb.host.name, PATHS.keepalived, node.line) && rawKeepalived(s, node)) {
      const target = rawKeepalived(s, node)!;
      s.ledger.mark(lb.host.name, PATHS.keepalived, node.line, node.text, 'pass-through', `keepalived-section ${key}`);
      // halab writes sync_group_tracking_weight in every sync group itself
      const own = new Set(node.words[0] === 'vrrp_sync_group' ? [SYNC_GROUP_TRACKING] : []);
      for (const c of node.children ?? []) settleKa(s, lb, c, target, own);
    } else if (!s.ledger.has(lb.host.name, PATHS.keepalived, node.line)) {
      markTree(s, lb, node, 'error', `\`${node.words[0]}\` has no place in a .halab file yet (see docs/import.md)`);
    }
  }
}

type RenderedResultLike = RenderResult;

/** A keepalived block and every line inside it get one disposition. */
function markTree(s: Settler, lb: LbIn, node: KaNode, went: Went, detail: string): void {
  s.ledger.markAll(lb.host.name, PATHS.keepalived, subtree(node), went, detail);
}

/**
 * keepalived blocks it reads as one list of words, whatever the lines (parser.c read_value_block):
 * these alone may be joined onto one line. Elsewhere each line is an entry with its options.
 */
const WORD_LIST_BLOCKS = new Set(['group', 'notification_email']);
/**
 * vrrp_instance blocks whose every line is one entry of a list, each block adding to it (vrrp_parser.c
 * alloc_value_block + list_add_tail): several entries become one block per entry.
 */
const ENTRY_LIST_BLOCKS = new Set(['track_interface', 'track_file', 'track_bfd', 'virtual_ipaddress_excluded', 'virtual_routes', 'virtual_rules']);

function settleKa(s: Settler, lb: LbIn, node: KaNode, target: SectionTarget | undefined, lines: Set<string>): void {
  if (s.ledger.has(lb.host.name, PATHS.keepalived, node.line)) return;
  if ((node.children?.length ?? 0) > 1 && ENTRY_LIST_BLOCKS.has(node.words[0]!) && target && node.children!.every((c) => !c.children) &&
    !lines.has(norm(oneLine(node)))) {
    // one block per entry: keepalived appends each block's entries to the same list
    for (const c of node.children!) {
      const one = `${node.words[0]} { ${oneLine(c)} }`;
      if (lines.has(norm(one))) continue;
      const judged = parsePassLine(one, target.pass);
      if (judged.ok) addPass(s, target, judged.value);
    }
    markTree(s, lb, node, 'pass-through', `one \`${target.keyword} "${node.words[0]} { … }"\` per entry`);
    return;
  }
  if ((node.children?.length ?? 0) > 1 && !WORD_LIST_BLOCKS.has(node.words[0]!) && !lines.has(norm(oneLine(node)))) {
    // keepalived reads one entry per line inside such a block: `{ eth1 weight -20 eth2 }` is one (wrong) entry
    markTree(s, lb, node, 'error', `\`${node.words[0]} { … }\` with ${node.children!.length} lines cannot be one pass-through line ` +
      '(keepalived reads one entry per line inside it); keep one entry, or add the others on the hosts by hand');
    return;
  }
  settle(s, lb, PATHS.keepalived, node, oneLine(node), target, lines);
  const e = s.ledger.get(lb.host.name, PATHS.keepalived, node.line)!;
  // a block's inner lines go with it
  for (const c of node.children ?? []) markTree(s, lb, c, e.went, e.detail);
}


/** Settles every lb's files against a render of the draft; adds the pass-through lines to the draft. */
export function settleAll(inf: Inferred, draft: Draft, ledger: Ledger, r: RenderResult): void {
  const s: Settler = { ledger, draft, inf, added: new Set() };
  for (const lb of inf.lbIns) {
    settleHaproxy(s, lb, r);
    settleKeepalived(s, lb, r);
  }
}
