/**
 * The topology panel's message protocol (webview <-> extension host), and the runtime validator
 * for everything the webview sends. The webview is treated as untrusted input: a compromised or
 * buggy page must not be able to make the host do anything the protocol does not describe.
 *
 * Flow (clab-ui style): every webview request carries a `requestId`; requests that change the
 * text also carry `revision`, the document version the webview's picture was based on. The host
 * answers exactly one of `ack` (applied), `reject` (stale revision or refused intent, with a
 * fresh snapshot so the webview can redraw) or `error` (malformed message or host failure).
 */
import type { Topology } from '../model/types.js';
import type { Span } from '../span.js';
import { parseNodeId } from '../diagram/graph.js';

// ---------- shared shapes ----------

export type NodeKind = 'lb' | 'upstream' | 'site';
export const NODE_KINDS: readonly NodeKind[] = ['lb', 'upstream', 'site'];
// The value lists and the name rule are the schema's (one owner); re-exported for the webview.
import { BALANCES, NAME_RE, ROLES } from '../model/values.js';
import type { Balance, Role } from '../model/types.js';
export { BALANCES, NAME_RE, ROLES, type Balance, type Role };

export interface Position {
  x: number;
  y: number;
}

/** Diagnostic as the panel needs it: offsets only (the panel maps them to nodes). */
export interface PanelDiagnostic {
  code: string;
  severity: 'error' | 'warning' | 'hint';
  message: string;
  span: Span;
}

/** Contents of `<file>.halab.layout.json`: positions the user moved, by diagram node id. */
export interface LayoutSidecar {
  version: 1;
  positions: Record<string, Position>;
}

/**
 * Live state of the hosts, read over SSH by the extension's `halab.refreshOverlay` command
 * (server/src/verify/live-status.ts); the panel only draws it.
 */
export interface Overlay {
  /** ISO time the state was read. */
  at: string;
  /** keepalived state per lb name. */
  lbs: Record<string, { state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'UNKNOWN'; holdsVips: string[] }>;
  /** HAProxy server state per site name, then per upstream name (HAProxy stats `status`). */
  servers: Record<string, Record<string, 'UP' | 'DOWN' | 'MAINT' | 'NOLB' | 'UNKNOWN'>>;
}

// ---------- intents (webview asks for a text change) ----------

export type Intent =
  | { op: 'addLb'; name: string; address: string; role: Role }
  | { op: 'addUpstream'; name: string; address: string; port?: number }
  | { op: 'addSite'; name: string; host: string; servers: string[] }
  | { op: 'connect'; site: string; upstream: string }
  | { op: 'disconnect'; site: string; upstream: string }
  | { op: 'remove'; kind: NodeKind; name: string }
  | { op: 'rename'; kind: NodeKind; from: string; to: string }
  | { op: 'setRole'; lb: string; role: Role }
  | { op: 'setBalance'; site: string; balance: Balance }
  | { op: 'setPort'; upstream: string; port: number }
  | { op: 'setListen'; site: string; port: number };

export type IntentOp = Intent['op'];

// ---------- webview -> host ----------

export type WebviewMessage =
  | { type: 'ready'; requestId: string }
  | { type: 'intent'; requestId: string; revision: number; intent: Intent }
  /** The user clicked a node: reveal its statement in the editor. */
  | { type: 'reveal'; requestId: string; nodeId: string }
  /** The user moved nodes: persist these positions to the sidecar (the only time it is written). */
  | { type: 'savePositions'; requestId: string; positions: Record<string, Position> }
  /** Save an exported picture; `data` is SVG text or a PNG data: URL. */
  | { type: 'export'; requestId: string; format: 'svg' | 'png'; data: string }
  | { type: 'refreshOverlay'; requestId: string };

// ---------- host -> webview ----------

export interface Snapshot {
  /** Document version the model was computed from. */
  revision: number;
  model: Topology;
  diagnostics: PanelDiagnostic[];
  /** Sidecar positions, if the file exists. */
  layout?: LayoutSidecar;
}

export type HostMessage =
  | ({ type: 'snapshot' } & Snapshot)
  | { type: 'ack'; requestId: string; revision: number }
  | { type: 'reject'; requestId: string; reason: string; snapshot: Snapshot }
  | { type: 'error'; requestId: string; message: string }
  /** The editor cursor is inside this node's statement (null: none). */
  | { type: 'highlight'; nodeId: string | null }
  | { type: 'overlay'; overlay: Overlay | null };

// ---------- runtime validation ----------

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string; requestId?: string };

/** A halab word: no whitespace, braces, semicolon, quote or hash (else it would re-tokenize). */
const WORD_RE = /^[^\s{};"#]{1,253}$/;
const REQUEST_ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Diagram node ids in graph.ts's format (`parseNodeId`), with a key that is a halab word. */
const NODE_ID = {
  test(id: string): boolean {
    const p = parseNodeId(id);
    return p !== null && (p.kind === 'clients' || WORD_RE.test(p.key));
  },
};
/** Upper bounds so a hostile page cannot make the host allocate without limit. */
const MAX_EXPORT_CHARS = 32 * 1024 * 1024;
const MAX_POSITIONS = 10_000;

class Invalid extends Error {}

function fail(msg: string): never {
  throw new Invalid(msg);
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Reject keys we do not know: an unexpected field is a sign of a wrong or forged message. */
function onlyKeys(o: Record<string, unknown>, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${where}: unexpected field "${k}"`);
}

function str(o: Record<string, unknown>, k: string, re: Pick<RegExp, 'test'>, what: string): string {
  const v = o[k];
  if (typeof v !== 'string') fail(`${k}: expected ${what}`);
  if (!re.test(v)) fail(`${k}: "${v.slice(0, 80)}" is not a valid ${what}`);
  return v;
}

function int(o: Record<string, unknown>, k: string, lo: number, hi: number): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) fail(`${k}: expected an integer ${lo}-${hi}`);
  return v;
}

function oneOf<T extends string>(o: Record<string, unknown>, k: string, members: readonly T[]): T {
  const v = o[k];
  if (typeof v !== 'string' || !(members as readonly string[]).includes(v)) fail(`${k}: expected one of ${members.join('|')}`);
  return v as T;
}

const name = (o: Record<string, unknown>, k: string) => str(o, k, NAME_RE, 'name ([A-Za-z][A-Za-z0-9_-]*)');
const word = (o: Record<string, unknown>, k: string) => str(o, k, WORD_RE, 'word (no spaces, braces, ";", quotes or "#")');

function validateIntent(x: unknown): Intent {
  if (!isObj(x)) fail('intent: expected an object');
  const op = x.op;
  switch (op) {
    case 'addLb':
      onlyKeys(x, ['op', 'name', 'address', 'role'], op);
      return { op, name: name(x, 'name'), address: word(x, 'address'), role: oneOf(x, 'role', ROLES) };
    case 'addUpstream': {
      onlyKeys(x, ['op', 'name', 'address', 'port'], op);
      const i: Intent = { op, name: name(x, 'name'), address: word(x, 'address') };
      if (x.port !== undefined) i.port = int(x, 'port', 1, 65535);
      return i;
    }
    case 'addSite': {
      onlyKeys(x, ['op', 'name', 'host', 'servers'], op);
      const servers = x.servers;
      if (!Array.isArray(servers) || servers.length > 1000) fail('servers: expected an array of names');
      const list = servers.map((s, i) => name({ [`servers[${i}]`]: s }, `servers[${i}]`));
      return { op, name: name(x, 'name'), host: word(x, 'host'), servers: list };
    }
    case 'connect':
    case 'disconnect':
      onlyKeys(x, ['op', 'site', 'upstream'], op);
      return { op, site: name(x, 'site'), upstream: name(x, 'upstream') };
    case 'remove':
      onlyKeys(x, ['op', 'kind', 'name'], op);
      return { op, kind: oneOf(x, 'kind', NODE_KINDS), name: name(x, 'name') };
    case 'rename':
      onlyKeys(x, ['op', 'kind', 'from', 'to'], op);
      return { op, kind: oneOf(x, 'kind', NODE_KINDS), from: name(x, 'from'), to: name(x, 'to') };
    case 'setRole':
      onlyKeys(x, ['op', 'lb', 'role'], op);
      return { op, lb: name(x, 'lb'), role: oneOf(x, 'role', ROLES) };
    case 'setBalance':
      onlyKeys(x, ['op', 'site', 'balance'], op);
      return { op, site: name(x, 'site'), balance: oneOf(x, 'balance', BALANCES) };
    case 'setPort':
      onlyKeys(x, ['op', 'upstream', 'port'], op);
      return { op, upstream: name(x, 'upstream'), port: int(x, 'port', 1, 65535) };
    case 'setListen':
      onlyKeys(x, ['op', 'site', 'port'], op);
      return { op, site: name(x, 'site'), port: int(x, 'port', 1, 65535) };
    default:
      return fail(`intent: unknown op ${shown(op)}`);
  }
}

/**
 * A short, safe rendering of a value the page sent, for an error message. Not JSON.stringify:
 * it throws on a BigInt (which postMessage carries) or a cycle, and this must never throw.
 */
function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return `(${Array.isArray(v) ? 'an array' : `a${typeof v === 'object' ? 'n object' : ` ${typeof v}`}`})`;
}

function validatePositions(x: unknown, where: string): Record<string, Position> {
  if (!isObj(x)) fail(`${where}: expected an object`);
  const keys = Object.keys(x);
  if (keys.length > MAX_POSITIONS) fail(`${where}: too many entries`);
  const out: Record<string, Position> = {};
  for (const k of keys) {
    if (!NODE_ID.test(k)) fail(`${where}: "${k.slice(0, 80)}" is not a node id`);
    const p = x[k];
    if (!isObj(p)) fail(`${where}.${k}: expected {x, y}`);
    onlyKeys(p, ['x', 'y'], `${where}.${k}`);
    if (typeof p.x !== 'number' || typeof p.y !== 'number' || !Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      fail(`${where}.${k}: x and y must be finite numbers`);
    }
    out[k] = { x: p.x, y: p.y };
  }
  return out;
}

/** Validate one message from the webview. Never throws. */
export function parseWebviewMessage(x: unknown): Validated<WebviewMessage> {
  let requestId: string | undefined;
  try {
    if (!isObj(x)) fail('message: expected an object');
    if (typeof x.requestId === 'string' && REQUEST_ID_RE.test(x.requestId)) requestId = x.requestId;
    const rid = str(x, 'requestId', REQUEST_ID_RE, 'request id');
    const type = x.type;
    switch (type) {
      case 'ready':
      case 'refreshOverlay':
        onlyKeys(x, ['type', 'requestId'], type);
        return { ok: true, value: { type, requestId: rid } };
      case 'intent':
        onlyKeys(x, ['type', 'requestId', 'revision', 'intent'], type);
        return {
          ok: true,
          value: { type, requestId: rid, revision: int(x, 'revision', 0, Number.MAX_SAFE_INTEGER), intent: validateIntent(x.intent) },
        };
      case 'reveal':
        onlyKeys(x, ['type', 'requestId', 'nodeId'], type);
        return { ok: true, value: { type, requestId: rid, nodeId: str(x, 'nodeId', NODE_ID, 'node id') } };
      case 'savePositions':
        onlyKeys(x, ['type', 'requestId', 'positions'], type);
        return { ok: true, value: { type, requestId: rid, positions: validatePositions(x.positions, 'positions') } };
      case 'export': {
        onlyKeys(x, ['type', 'requestId', 'format', 'data'], type);
        const format = oneOf(x, 'format', ['svg', 'png'] as const);
        const data = x.data;
        if (typeof data !== 'string' || data.length > MAX_EXPORT_CHARS) fail('data: expected a string');
        if (format === 'svg' && !data.trimStart().startsWith('<svg')) fail('data: expected SVG text');
        if (format === 'png' && !data.startsWith('data:image/png;base64,')) fail('data: expected a PNG data URL');
        return { ok: true, value: { type, requestId: rid, format, data } };
      }
      default:
        return fail(`type: unknown message type ${shown(type)}`);
    }
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message, requestId };
    throw e;
  }
}

/** Validate a sidecar file's parsed JSON; a bad file is ignored (null), never fatal. */
export function parseLayoutSidecar(x: unknown): LayoutSidecar | null {
  try {
    if (!isObj(x) || x.version !== 1) return null;
    return { version: 1, positions: validatePositions(x.positions, 'positions') };
  } catch (e) {
    if (e instanceof Invalid) return null;
    throw e;
  }
}
