/** What a deploy reports: its steps, the events of each, and the result per host. */
import type { Role } from '../../../shared/model/types.js';
import type { ServiceName } from '../render/types.js';
import type { HostPlan } from './plan.js';

export type DeployStep =
  | 'connect'
  | 'facts'
  | 'os'
  | 'bootstrap'
  | 'preflight'
  | 'plan'
  | 'upload'
  | 'validate'
  | 'backup'
  | 'swap'
  | 'apply'
  | 'reload'
  | 'verify'
  | 'rollback'
  | 'vip'
  | 'sites';

export interface DeployEvent {
  /** Host name; absent for cluster-wide steps (vip, sites). */
  host?: string;
  step: DeployStep;
  status: 'start' | 'ok' | 'fail' | 'skip' | 'info';
  /** Human-readable, secrets masked. */
  message?: string;
  ms?: number;
}

export type DeployListener = (e: DeployEvent) => void;

export type HostStatus = 'planned' | 'unchanged' | 'applied' | 'failed' | 'rolled-back' | 'skipped';

export interface HostResult {
  host: string;
  role: 'lb' | 'upstream';
  lbRole?: Role;
  status: HostStatus;
  plan?: HostPlan;
  /** Paths uploaded (staged) in this run. */
  uploaded: string[];
  /** Services reloaded or started in this run (not counting a rollback's reloads). */
  reloaded: ServiceName[];
  /** Bootstrap commands run (or, with plan, that would run). */
  bootstrap: string[];
  /** What the bootstrap installs and the services it enables: the plan shows these first. */
  installs?: { packages: string[]; enable: string[] };
  failedStep?: DeployStep;
  error?: string;
  /** For a failed host: whether its own changes were undone (false when it was unreachable). */
  restored?: boolean;
  /** The connection to the host was lost during this run (it may hold new files; see the events). */
  lost?: boolean;
  ms: number;
}
