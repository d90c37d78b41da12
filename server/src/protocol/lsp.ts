/**
 * Custom LSP methods, declared once and shared by the server (server/src/lsp) and the client
 * (client/src). Each constant says which way it flows.
 */
import { RequestType } from 'vscode-languageserver-protocol';
import type { Topology } from '../../../shared/model/types.js';
import type { PanelDiagnostic } from '../../../shared/protocol/webview.js';

export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** The panel's diagnostic (offsets, which the diagram maps to nodes), with its LSP range. */
export interface TopologyDiagnostic extends PanelDiagnostic {
  range: LspRange;
}

export interface TopologyParams {
  uri: string;
}

export interface TopologyResult {
  uri: string;
  /** The document version the model was computed from. */
  version: number;
  model: Topology;
  diagnostics: TopologyDiagnostic[];
  /** The document text the spans refer to (so the panel can map offsets to positions). */
  text: string;
}

/** client → server: the resolved model of an open document, for the topology panel. */
export const TopologyRequest = new RequestType<TopologyParams, TopologyResult | null, void>('halab/topology');
