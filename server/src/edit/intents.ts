/**
 * Diagram intents -> minimal text edits. Pure: text + syntax tree in, edits out. Only the
 * statements an intent concerns are touched; everything else (comments, blank lines, the
 * author's one-line or multi-line block style) is left byte for byte.
 */
import type { Statement, SyntaxTree } from '../syntax/ast.js';
import type { Intent, NodeKind } from '../../../shared/protocol/webview.js';
import { nameRefusal, renameSpans, upstreamReferences } from '../language/navigation.js';
import {
  EditError,
  blockStatements,
  eolOf,
  findInner,
  findTop,
  formatBlock,
  insertAfter,
  insertInBlock,
  removeArg,
  removeStatement,
  replace,
  replaceArgs,
  siblingsUseBlankLines,
  styleOf,
  type BlockStyle,
  type TextEdit,
} from './text-edits.js';

export { EditError, applyEdits, type TextEdit } from './text-edits.js';

/** Where a new block goes when the file has none of its kind yet: after the kinds before it. */
const ORDER = ['topology', 'vip', 'lb', 'upstream', 'site', 'stats', 'defaults', 'firewall', 'failover-test', 'lab'];

function one(tree: SyntaxTree, kind: NodeKind, name: string): Statement {
  const s = findTop(tree, kind, name)[0];
  if (!s) throw new EditError(`no ${kind} named "${name}"`);
  return s;
}

function assertFreeName(tree: SyntaxTree, kind: NodeKind, name: string): void {
  const refusal = nameRefusal(tree, kind, name);
  if (refusal === 'invalid') throw new EditError(`"${name}" is not a valid name`);
  if (refusal === 'taken') throw new EditError(`the name "${name}" is already used`);
}

/** Add a top-level block after the last of its kind, written like its siblings. */
function addBlock(tree: SyntaxTree, kind: NodeKind, head: string, fields: string[]): TextEdit {
  const siblings = findTop(tree, kind);
  const eol = eolOf(tree.text);
  if (siblings.length) {
    const last = siblings[siblings.length - 1];
    return insertAfter(tree, last, formatBlock(head, fields, styleOf(tree, last), eol), siblingsUseBlankLines(tree, siblings));
  }
  // First of its kind: borrow the style of the nearest block kind that exists, anchor after the kinds before it.
  const before = ORDER.slice(0, ORDER.indexOf(kind));
  const anchor = [...tree.statements].reverse().find((s) => before.includes(s.keyword.value));
  const styleSource = (['lb', 'upstream', 'site'] as const).map((k) => findTop(tree, k).at(-1)).find(Boolean);
  const style: BlockStyle = styleSource ? styleOf(tree, styleSource) : { oneLine: false, indent: '', inner: '  ' };
  return insertAfter(tree, anchor, formatBlock(head, fields, style, eol), true);
}

/** Set a single-valued statement in a block: edit the last one (the one that wins) or add it. */
function setField(tree: SyntaxTree, owner: Statement, keyword: string, value: string): TextEdit {
  const existing = findInner(owner, keyword).at(-1);
  return existing ? replaceArgs(existing, value) : insertInBlock(tree, owner, `${keyword} ${value}`);
}

/** Remove every reference to `upstream` from `servers` lists, one edit per statement. */
function dropReferences(tree: SyntaxTree, upstream: string, onlySite?: Statement): TextEdit[] {
  const edits: TextEdit[] = [];
  const byStmt = new Map<Statement, { site: Statement; idx: number[] }>();
  for (const r of upstreamReferences(tree, upstream)) {
    if (onlySite && r.site !== onlySite) continue;
    const e = byStmt.get(r.stmt) ?? { site: r.site, idx: [] };
    e.idx.push(r.index);
    byStmt.set(r.stmt, e);
  }
  for (const [stmt, { site, idx }] of byStmt) {
    const container = blockStatements(site);
    if (idx.length === stmt.args.length) edits.push(removeStatement(tree, stmt, container));
    else if (idx.length === 1) edits.push(removeArg(tree, stmt, idx[0], container));
    else {
      // Several copies in one list (a mistake, but possible): rewrite the argument list.
      const keep = stmt.args.filter((_, i) => !idx.includes(i)).map((a) => a.value);
      edits.push(replaceArgs(stmt, keep.join(' ')));
    }
  }
  return edits;
}

export function intentEdits(tree: SyntaxTree, intent: Intent): TextEdit[] {
  switch (intent.op) {
    case 'addLb': {
      assertFreeName(tree, 'lb', intent.name);
      const fields = [`address ${intent.address}`, `role ${intent.role}`];
      // Defaults give backups 249, 248, ...; when the file sets priorities itself (the seed's
      // 101/100), a default would outrank the primary (priority-order): go below the lowest.
      const explicit = findTop(tree, 'lb')
        .map((s) => Number(findInner(s, 'priority').at(-1)?.args[0]?.value))
        .filter((n) => Number.isInteger(n));
      if (intent.role === 'backup' && explicit.length) fields.push(`priority ${Math.max(1, Math.min(...explicit) - 1)}`);
      return [addBlock(tree, 'lb', `lb ${intent.name}`, fields)];
    }
    case 'addUpstream': {
      assertFreeName(tree, 'upstream', intent.name);
      const fields = [`address ${intent.address}`];
      if (intent.port !== undefined) fields.push(`port ${intent.port}`);
      return [addBlock(tree, 'upstream', `upstream ${intent.name}`, fields)];
    }
    case 'addSite': {
      assertFreeName(tree, 'site', intent.name);
      const fields = [`host ${intent.host}`];
      if (intent.servers.length) fields.push(`servers ${intent.servers.join(' ')}`);
      return [addBlock(tree, 'site', `site ${intent.name}`, fields)];
    }
    case 'connect': {
      const site = one(tree, 'site', intent.site);
      one(tree, 'upstream', intent.upstream);
      if (upstreamReferences(tree, intent.upstream).some((r) => r.site === site)) {
        throw new EditError(`site ${intent.site} already uses ${intent.upstream}`);
      }
      const servers = findInner(site, 'servers').at(-1);
      if (!servers) return [insertInBlock(tree, site, `servers ${intent.upstream}`)];
      const lastArg = servers.args.at(-1);
      const at = lastArg ? lastArg.end : servers.keyword.end;
      return [replace(at, at, ' ' + intent.upstream)];
    }
    case 'disconnect': {
      const site = one(tree, 'site', intent.site);
      const edits = dropReferences(tree, intent.upstream, site);
      if (!edits.length) throw new EditError(`site ${intent.site} does not use ${intent.upstream}`);
      return edits;
    }
    case 'remove': {
      const stmts = findTop(tree, intent.kind, intent.name);
      if (!stmts.length) throw new EditError(`no ${intent.kind} named "${intent.name}"`);
      const edits = stmts.map((s) => removeStatement(tree, s, tree.statements));
      if (intent.kind === 'upstream') edits.push(...dropReferences(tree, intent.name));
      return edits;
    }
    case 'rename': {
      if (intent.from === intent.to) return [];
      one(tree, intent.kind, intent.from);
      assertFreeName(tree, intent.kind, intent.to);
      return renameSpans(tree, intent.kind, intent.from).map((span) => ({ span, newText: intent.to }));
    }
    case 'setRole': {
      const lb = one(tree, 'lb', intent.lb);
      const edits = [setField(tree, lb, 'role', intent.role)];
      if (intent.role === 'primary') {
        // Exactly one primary: the old one steps down. If both carry explicit priorities and the
        // new primary's is not higher, swap them too, or the result breaks `priority-order`.
        for (const other of findTop(tree, 'lb')) {
          if (other === lb || findInner(other, 'role').at(-1)?.args[0]?.value !== 'primary') continue;
          edits.push(setField(tree, other, 'role', 'backup'));
          const pNew = findInner(lb, 'priority').at(-1);
          const pOld = findInner(other, 'priority').at(-1);
          const vNew = Number(pNew?.args[0]?.value);
          const vOld = Number(pOld?.args[0]?.value);
          if (pNew && pOld && Number.isFinite(vNew) && Number.isFinite(vOld) && vNew <= vOld) {
            edits.push(replaceArgs(pNew, String(vOld)), replaceArgs(pOld, String(vNew)));
          }
        }
      }
      return edits;
    }
    case 'setBalance':
      return [setField(tree, one(tree, 'site', intent.site), 'balance', intent.balance)];
    case 'setPort':
      return [setField(tree, one(tree, 'upstream', intent.upstream), 'port', String(intent.port))];
    case 'setListen':
      return [setField(tree, one(tree, 'site', intent.site), 'listen', String(intent.port))];
  }
}

export type IntentPlan =
  | { ok: true; edits: TextEdit[] }
  | { ok: false; stale: boolean; reason: string };

/**
 * Decide what to do with an intent: stale revision -> reject (the caller sends a fresh snapshot);
 * otherwise the edits, or a refusal with the reason (unknown name, taken name, ...).
 */
export function planIntent(tree: SyntaxTree, currentVersion: number, revision: number, intent: Intent): IntentPlan {
  if (revision !== currentVersion) {
    return { ok: false, stale: true, reason: `stale revision ${revision}: the document is at ${currentVersion}` };
  }
  try {
    return { ok: true, edits: intentEdits(tree, intent) };
  } catch (e) {
    if (e instanceof EditError) return { ok: false, stale: false, reason: e.message };
    throw e;
  }
}
