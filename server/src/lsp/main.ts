/**
 * The language server: thin LSP handlers over the pure language features in server/src/language
 * and the engine. Starts with `node dist/server.js --stdio`.
 */
import {
  CodeActionKind, CompletionItemKind, createConnection, DiagnosticSeverity, DiagnosticTag, FoldingRangeKind,
  InsertTextFormat, LSPErrorCodes, MarkupKind, ProposedFeatures, ResponseError, SymbolKind, TextDocumentSyncKind, TextDocuments, TextEdit,
  type CodeAction, type CompletionItem, type Connection, type Diagnostic as LspDiagnostic, type ServerCapabilities,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, type Analysis, type Diagnostic } from '../engine.js';
import type { TextEdit as EngineTextEdit } from '../edit/text-edits.js';
import { LineIndex } from '../syntax/line-index.js';
import { complete, plainText, type CompletionEntry } from '../language/completion.js';
import { hover } from '../language/hover.js';
import { rename, symbolAt } from '../language/navigation.js';
import { outline, type OutlineSymbol } from '../language/symbols.js';
import { folds } from '../language/folding.js';
import { semanticTokens, TOKEN_MODIFIERS, TOKEN_TYPES } from '../language/semantic-tokens.js';
import { formatEdits } from '../language/format.js';
import { quickFixes } from '../language/code-actions.js';
import { TopologyRequest } from '../protocol/lsp.js';
import { panelDiagnostics } from '../diagram/host-core.js';
// Hover shows the config lines a statement renders to (placeholder secrets, never a real one).
import { explain } from '../render/explain.js';
import { guardFraming } from './framing.js';

/**
 * Debounce for diagnostics: coalesces changes that arrive together (a paste, an undo burst, a
 * WorkspaceEdit in several parts). Kept tiny on purpose: yaml-language-server's 200 ms debounce is
 * most of its latency (docs/benchmarks.md).
 */
const DIAGNOSTIC_DELAY_MS = 2;

interface Cached {
  version: number;
  analysis: Analysis;
  index: LineIndex;
}

/** Runs `f` on a document's current analysis; null when the document is not open. */
type WithDoc = <T>(uri: string, f: (c: Cached, doc: TextDocument) => T) => T | null;

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const analyses = analysisCache();
  const diagnostics = diagnosticsPublisher(connection, documents, analyses.get);
  /** What the client declared in `initialize`; the LSP default for an absent capability is "no". */
  let snippetSupport = false;

  connection.onInitialize((params) => {
    snippetSupport = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
    return {
      capabilities: serverCapabilities(),
      serverInfo: { name: 'halab', version: typeof HALAB_VERSION === 'string' ? HALAB_VERSION : 'dev' },
    };
  });

  documents.onDidOpen((e) => diagnostics.publish(e.document.uri));
  documents.onDidChangeContent((e) => diagnostics.schedule(e.document.uri));
  documents.onDidClose((e) => {
    analyses.forget(e.document.uri);
    diagnostics.forget(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  const withDoc: WithDoc = (uri, f) => {
    const doc = documents.get(uri);
    return doc ? f(analyses.get(doc), doc) : null;
  };
  registerAssistance(connection, withDoc, () => snippetSupport);
  registerNavigation(connection, withDoc);
  registerDocumentFeatures(connection, withDoc);

  documents.listen(connection);
  connection.listen();
}

/** A fresh object per call: the library adds its features' capabilities to the one it is given. */
const serverCapabilities = (): ServerCapabilities => ({
  textDocumentSync: TextDocumentSyncKind.Incremental,
  completionProvider: { triggerCharacters: [' ', ':'] },
  hoverProvider: true,
  definitionProvider: true,
  referencesProvider: true,
  renameProvider: { prepareProvider: true },
  documentSymbolProvider: true,
  documentFormattingProvider: true,
  foldingRangeProvider: true,
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
  semanticTokensProvider: { legend: { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] }, full: true },
});

/** One analysis per document version; the previous one is handed to the next (and consumed). */
function analysisCache(): { get(doc: TextDocument): Cached; forget(uri: string): void } {
  const cache = new Map<string, Cached>();
  const get = (doc: TextDocument): Cached => {
    const c = cache.get(doc.uri);
    if (c && c.version === doc.version) return c;
    const text: unknown = doc.getText();
    // TextDocuments keeps whatever a didOpen carried; a request on such a document gets this error.
    if (typeof text !== 'string') throw new Error(`${doc.uri} was opened without text (got ${text === null ? 'null' : typeof text})`);
    // The previous analysis is handed over (its tree is reused around the edit, and consumed).
    const fresh = { version: doc.version, analysis: analyze(text, doc.uri, c?.analysis), index: new LineIndex(text) };
    cache.set(doc.uri, fresh);
    return fresh;
  };
  return { get, forget: (uri) => void cache.delete(uri) };
}

/** Publishing diagnostics: at once on open, debounced on change, each document version once. */
function diagnosticsPublisher(connection: Connection, documents: TextDocuments<TextDocument>, get: (doc: TextDocument) => Cached) {
  const timers = new Map<string, NodeJS.Timeout>();
  /** The document version whose diagnostics were last sent, per uri: a version is published once. */
  const published = new Map<string, number>();

  /**
   * Runs from a timer as well as from handlers, where nothing would catch a throw and the process
   * would die (a didOpen with `text: null` did that), so every failure is logged to the client.
   */
  const publish = (uri: string) => {
    try {
      const doc = documents.get(uri);
      // TextDocuments fires onDidChangeContent right after onDidOpen: the open publishes at once,
      // and the scheduled publish of the same version is dropped (diagnostics depend on the text only).
      if (!doc || published.get(uri) === doc.version) return;
      const c = get(doc);
      published.set(uri, c.version);
      void connection.sendDiagnostics({ uri, version: c.version, diagnostics: c.analysis.diagnostics.map((d) => toLsp(c, d)) });
    } catch (e) {
      connection.console.error(`halab: no diagnostics for ${uri}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const schedule = (uri: string) => {
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => {
      timers.delete(uri);
      publish(uri);
    }, DIAGNOSTIC_DELAY_MS));
  };

  const forget = (uri: string) => {
    published.delete(uri);
    clearTimeout(timers.get(uri));
  };
  return { publish, schedule, forget };
}

/** The engine's edits are offsets; the LSP's are positions, from the same document's index. */
const toLspEdit = (c: Cached, e: EngineTextEdit): TextEdit => TextEdit.replace(c.index.range(e.span), e.newText);

const SEVERITY: Record<Diagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  hint: DiagnosticSeverity.Hint,
};

const toLsp = (c: Cached, d: Diagnostic): LspDiagnostic => ({
  range: c.index.range(d.span),
  severity: SEVERITY[d.severity],
  code: d.code,
  source: 'halab',
  message: d.message,
  ...(d.code.startsWith('unused-') ? { tags: [DiagnosticTag.Unnecessary] } : {}),
});

const COMPLETION_KIND: Record<CompletionEntry['kind'], CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  snippet: CompletionItemKind.Snippet,
  reference: CompletionItemKind.Reference,
  value: CompletionItemKind.EnumMember,
};

/** While typing: completion and hover. */
function registerAssistance(connection: Connection, withDoc: WithDoc, snippetSupport: () => boolean): void {
  connection.onCompletion((p) => withDoc(p.textDocument.uri, (c) => {
    const offset = c.index.offset(p.position);
    const snippets = snippetSupport();
    return complete(c.analysis.tree, c.analysis.model, offset).map((e): CompletionItem => ({
      label: e.label,
      kind: COMPLETION_KIND[e.kind],
      detail: e.detail,
      documentation: e.documentation ? { kind: MarkupKind.Markdown, value: e.documentation } : undefined,
      // A client without snippet support gets the snippet's plain text (placeholders → their defaults).
      insertTextFormat: e.isSnippet && snippets ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
      textEdit: TextEdit.replace(c.index.range(e.replace), e.isSnippet && !snippets ? plainText(e) : e.insertText),
      sortText: e.sortText,
    }));
  }) ?? []);

  connection.onHover((p) => withDoc(p.textDocument.uri, (c) => {
    const h = hover(c.analysis.tree, c.analysis.model, c.index.offset(p.position), explain);
    return h ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: c.index.range(h.span) } : null;
  }));
}

/** Names: definition, references and rename. */
function registerNavigation(connection: Connection, withDoc: WithDoc): void {
  connection.onDefinition((p) => withDoc(p.textDocument.uri, (c) => {
    const s = symbolAt(c.analysis.tree, c.analysis.resolved, c.index.offset(p.position));
    return s?.declaration ? { uri: p.textDocument.uri, range: c.index.range(s.declaration) } : null;
  }));

  connection.onReferences((p) => withDoc(p.textDocument.uri, (c) => {
    const s = symbolAt(c.analysis.tree, c.analysis.resolved, c.index.offset(p.position));
    if (!s) return [];
    const spans = [...(p.context.includeDeclaration && s.declaration ? [s.declaration] : []), ...s.references];
    return spans.map((sp) => ({ uri: p.textDocument.uri, range: c.index.range(sp) }));
  }) ?? []);

  connection.onPrepareRename((p) => withDoc(p.textDocument.uri, (c) => {
    const offset = c.index.offset(p.position);
    const s = symbolAt(c.analysis.tree, c.analysis.resolved, offset);
    if (!s || s.kind === 'vip') return null;
    const hit = [...(s.declaration ? [s.declaration] : []), ...s.references].find((sp) => offset >= sp.start && offset <= sp.end);
    return hit ? { range: c.index.range(hit), placeholder: s.name } : null;
  }));

  connection.onRenameRequest((p) => withDoc(p.textDocument.uri, (c) => {
    const r = rename(c.analysis.tree, c.analysis.resolved, c.index.offset(p.position), p.newName);
    // A refused rename is the user's request failing, not a server fault: RequestFailed (-32803)
    // with the reason, which clients show as is (a plain throw answers InternalError, -32603).
    if ('error' in r) throw new ResponseError(LSPErrorCodes.RequestFailed, r.error);
    return { changes: { [p.textDocument.uri]: r.edits.map((e) => toLspEdit(c, e)) } };
  }));
}

const SYMBOL_KIND: Record<OutlineSymbol['kind'], SymbolKind> = {
  namespace: SymbolKind.Namespace, constant: SymbolKind.Constant, class: SymbolKind.Class, object: SymbolKind.Object,
  struct: SymbolKind.Struct, property: SymbolKind.Property, module: SymbolKind.Module,
};

/** The whole document: outline, folding, semantic tokens, formatting, quick fixes and the topology. */
function registerDocumentFeatures(connection: Connection, withDoc: WithDoc): void {
  connection.onDocumentSymbol((p) => withDoc(p.textDocument.uri, (c) => {
    const conv = (s: OutlineSymbol): import('vscode-languageserver').DocumentSymbol => ({
      name: s.name, detail: s.detail, kind: SYMBOL_KIND[s.kind],
      range: c.index.range(s.span), selectionRange: c.index.range(s.selection), children: s.children.map(conv),
    });
    return outline(c.analysis.tree).map(conv);
  }));

  connection.onFoldingRanges((p) => withDoc(p.textDocument.uri, (c) =>
    folds(c.analysis.tree, c.index).map((f) => ({
      startLine: f.startLine, endLine: f.endLine, ...(f.kind ? { kind: FoldingRangeKind.Comment } : {}),
    }))));

  connection.languages.semanticTokens.on((p) =>
    withDoc(p.textDocument.uri, (c) => ({ data: semanticTokens(c.analysis.tree, c.index) })) ?? { data: [] });

  connection.onDocumentFormatting((p) => withDoc(p.textDocument.uri, (c, doc) => {
    const unit = p.options.insertSpaces === false ? '\t' : ' '.repeat(Math.max(1, Math.min(8, p.options.tabSize || 2)));
    return formatEdits(doc.getText(), unit).map((e) => toLspEdit(c, e));
  }));

  connection.onCodeAction((p) => withDoc(p.textDocument.uri, (c) => {
    const range = { start: c.index.offset(p.range.start), end: c.index.offset(p.range.end) };
    // The client's copy of a diagnostic is the one it sent at the same start with the same code.
    const sentAs = (d: Diagnostic) => {
      const r = c.index.range(d.span);
      return p.context.diagnostics.find((x) =>
        x.code === d.code && x.range.start.line === r.start.line && x.range.start.character === r.start.character);
    };
    return quickFixes(c.analysis.diagnostics, range, sentAs).map((f): CodeAction => ({
      title: f.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [f.sent ?? toLsp(c, f.diagnostic)],
      isPreferred: f.preferred,
      edit: { changes: { [p.textDocument.uri]: f.edits.map((e) => toLspEdit(c, e)) } },
    }));
  }) ?? []);

  connection.onRequest(TopologyRequest, (p) => withDoc(p.uri, (c, doc) => ({
    uri: p.uri,
    version: doc.version,
    model: c.analysis.model,
    text: c.analysis.tree.text,
    diagnostics: panelDiagnostics(c.analysis.diagnostics).map((d) => ({ ...d, range: c.index.range(d.span) })),
  })));
}

declare const HALAB_VERSION: string;

/**
 * V8 flag for the server process: a 64 MB young generation. Analysis allocates many short-lived
 * objects (tokens, statements); with the default semi-space, scavenges made up about a third of
 * the didChange → diagnostics time on a 10,000-line file (docs/benchmarks.md). The flag cannot be
 * set after start-up, so when an editor starts `node server.js --stdio` without it, the server
 * runs itself again with it, sharing the same stdio (no copying, the parent only waits).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'];

if (require.main === module) {
  const flagged = SERVER_NODE_FLAGS.every((f) => process.execArgv.includes(f));
  if (!flagged && !process.env.HALAB_LSP_NO_REEXEC && process.argv.includes('--stdio')) {
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync(process.execPath, [...process.execArgv, ...SERVER_NODE_FLAGS, ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  } else {
    // Before the connection listens, so the guard sees every byte the library's reader sees.
    if (process.argv.includes('--stdio')) guardFraming(process.stdin, process.stdout);
    startServer(createConnection(ProposedFeatures.all));
  }
}
