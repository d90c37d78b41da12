/**
 * Custom LSP methods, declared once and shared by the server (server/src/lsp) and the client
 * (client/src). Each constant says which way it flows.
 */
import { RequestType } from 'vscode-languageserver-protocol';
import type { Topology } from '../../../shared/model/types.js';

export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** A diagnostic attached to the model object it concerns (for the diagram). */
export interface TopologyDiagnostic {
  code: string;
  severity: 'error' | 'warning' | 'hint';
  message: string;
  range: LspRange;
  /** Offsets into the text, same as the engine's spans. */
  span: { start: number; end: number };
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
