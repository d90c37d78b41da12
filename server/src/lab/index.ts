/** The local lab: public API (engine code, no `vscode`). */
export * from './state.js';
export { LabError, LAB_RANGE, planLab, netnsName, vethNames, type LabPlan, type LabPlanHost } from './plan.js';
export {
  labUp,
  labDown,
  labStatus,
  labExec,
  labIsolateHost,
  labRestoreHost,
  labSshArgs,
  type LabUpOptions,
  type LabDownResult,
  type LabStatus,
  type LabHostStatus,
  type LabExecOptions,
} from './lab.js';
export { findLabTools, LAB_TOOLS, type RunResult } from './sys.js';
