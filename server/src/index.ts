/**
 * The engine's public API: what the extension (client/src) and the CLI (cli/) import, so they do
 * not depend on where a function lives inside the engine. Engine modules never import this file
 * (it would close import cycles); they import each other directly.
 *
 * Two front ends keep deep imports, on purpose:
 * - the language server (lsp/main.ts) imports the analysis and language/ directly: this index
 *   also loads deploy's SSH stack (ssh2), which the server would pay for at every start;
 * - the topology panel (client/src/topology-panel.ts) imports the diagram's host side
 *   (diagram/host-core.ts, panel-html.ts) and protocol/lsp.ts, which only it uses; here they
 *   would go into the CLI's bundle too.
 * Code shared with the webview (shared/) is imported from there; the model's types are
 * re-exported here because every front end handles a Topology.
 */
export { analyze, hasErrors, parseHalab, type Analysis, type Diagnostic } from './engine.js';
export type * from '../../shared/model/types.js';
export { LineIndex } from './syntax/line-index.js';
export { parseDuration } from './schema/value-types.js';
export { envSecrets, placeholderSecrets, SecretError, type SecretResolver } from './secrets.js';

export { render, RenderError } from './render/render.js';
export type { RenderedFile } from './render/types.js';
export { localMode, outputPath, writeRenderedTree } from './render/write-tree.js';

export { hostTargets, sshArgv, type AccessSettings } from './deploy/access.js';
export { expandHome } from './deploy/targets.js';
// Deploy and the failover test each have a formatEvent; the names say whose.
export { deployTopology, formatEvent as formatDeployEvent, formatPlan, formatSummary, type DeployResult } from './deploy/index.js';
export {
  FAULT_KINDS, FailoverError, formatCameBack, formatEvent as formatFailoverEvent, formatReport, isFaultKind, runFailoverTest,
  type FailoverReport,
} from './failover/index.js';

export { LabError, labDown, labStatus, labUp, readLabState, type LabStatus } from './lab/index.js';
export { readLiveStatus, type LiveStatus, type LiveSplitBrain } from './verify/live-status.js';
export { splitBrainMessage, splitBrains, type SplitBrain } from './verify/split-brain.js';
export { logServices, readHostLogs } from './verify/host-logs.js';
export { fleetProblems, mapLimit, type FleetMember } from './fleet/fleet.js';
export { exportAnsible, ExportError, type AnsibleExport } from './export/ansible.js';
export { writeExport } from './export/write-export.js';
