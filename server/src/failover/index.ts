/** The failover test: public API (engine code, no `vscode`). See docs/failover.md. */
export * from './types.js';
export { runFailoverTest, FailoverError, type FailoverOptions } from './run.js';
export { formatReport, formatEvent, cameBack as formatCameBack } from './format.js';
export { diagnoseVrrp, type VrrpDiagnosis } from '../verify/diagnose-vrrp.js';
export { FAULTS, FAULT_KINDS, isFaultKind, expectedFailoverMs, type FaultSpec } from './faults.js';
export {
  compute,
  judge,
  outageWindow,
  siteStats,
  holdersAt,
  vipTakenOver,
  vipReturned,
  serverStatusAt,
  type Observed,
  type RunFacts,
} from './analyze.js';
export { parseShowStat, showStatCommand, ADMIN_SOCKET, type ServerStat } from '../verify/haproxy-stats.js';
export { sshFailoverConnector, type FailoverConnector, type FailoverRemote } from './remote.js';
