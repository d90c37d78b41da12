/**
 * The plan: for each host and rendered file, what deploying would do — new, changed or same —
 * with a unified diff whose secrets are masked. Pure: remote contents come in as data.
 */
import { createTwoFilesPatch } from 'diff';
import type { RenderedFile, ServiceName } from '../render/types.js';
import type { Masker } from './secrets.js';

export type FileStatus = 'new' | 'changed' | 'same';

/** What the host has at a path: content plus mode/owner (from stat), or nothing. */
export interface RemoteFile {
  content: string;
  mode?: number;
  owner?: string;
  group?: string;
}

export interface FilePlan {
  path: string;
  status: FileStatus;
  /** Why a file with identical content is still changed (mode or owner). */
  reason?: string;
  /** Unified diff, secrets masked; '' when the status is same. */
  diff: string;
  reload: ServiceName[];
  apply?: 'sysctl' | 'firewall';
  secret: boolean;
}

export interface HostPlan {
  host: string;
  files: FilePlan[];
  /** Services this deploy reloads on the host (union over changed files). */
  reload: ServiceName[];
}

export function planFile(file: RenderedFile, remote: RemoteFile | undefined, mask: Masker): FilePlan {
  const base = { path: file.path, reload: file.reload, apply: file.apply, secret: file.secret };
  if (!remote) {
    return { ...base, status: 'new', diff: createTwoFilesPatch('/dev/null', file.path, '', mask(file.content), '', 'rendered') };
  }
  if (remote.content !== file.content) {
    const oldM = mask(remote.content);
    const newM = mask(file.content);
    const diff =
      oldM === newM
        ? `--- ${file.path}\n+++ ${file.path}\n(only a secret value changed; not shown)\n`
        : createTwoFilesPatch(file.path, file.path, oldM, newM, 'on host', 'rendered');
    return { ...base, status: 'changed', diff };
  }
  const reasons: string[] = [];
  if (remote.mode !== undefined && remote.mode !== file.mode)
    reasons.push(`mode ${remote.mode.toString(8).padStart(4, '0')} → ${file.mode.toString(8).padStart(4, '0')}`);
  if (remote.owner !== undefined && (remote.owner !== file.owner || remote.group !== file.group))
    reasons.push(`owner ${remote.owner}:${remote.group} → ${file.owner}:${file.group}`);
  if (reasons.length) return { ...base, status: 'changed', reason: reasons.join(', '), diff: `--- ${file.path}\n+++ ${file.path}\n(${reasons.join(', ')})\n` };
  return { ...base, status: 'same', diff: '' };
}

export function planHost(host: string, files: RenderedFile[], remote: Map<string, RemoteFile>, mask: Masker): HostPlan {
  const plans = files.map((f) => planFile(f, remote.get(f.path), mask));
  return { host, files: plans, reload: reloadsFor(plans) };
}

/**
 * Services to reload: those of files whose content is new or changed. A mode/owner-only change
 * does not alter what a daemon reads, so it reloads nothing.
 */
export function reloadsFor(plans: FilePlan[]): ServiceName[] {
  const order: ServiceName[] = ['nginx', 'haproxy', 'keepalived'];
  const set = new Set<ServiceName>();
  for (const p of plans) if (p.status !== 'same' && !p.reason) for (const s of p.reload) set.add(s);
  return order.filter((s) => set.has(s));
}
