/**
 * The plan: for each host and rendered file, what deploying would do — new, changed or same —
 * with a unified diff that shows no secret (see secrets.ts: `planView`). Pure: remote contents
 * come in as data.
 */
import { createTwoFilesPatch } from 'diff';
import { SERVICES, type ApplyKind, type RenderedFile, type ServiceName } from '../render/types.js';
import { planView, type Masker } from './secrets.js';

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
  apply?: ApplyKind;
  secret: boolean;
}

export interface HostPlan {
  host: string;
  files: FilePlan[];
  /** Services this deploy reloads on the host (union over changed files). */
  reload: ServiceName[];
}

/**
 * `placeholders`: the same file rendered with placeholder secrets (`placeholderSecrets`,
 * `preview: true`); the diff then shows it as the new side, so no secret can be in it.
 * Status is decided on the real contents.
 */
export function planFile(file: RenderedFile, remote: RemoteFile | undefined, mask: Masker, placeholders?: RenderedFile): FilePlan {
  const base = { path: file.path, reload: file.reload, apply: file.apply, secret: file.secret };
  if (!remote || remote.content !== file.content) {
    const view = planView(file.content, placeholders?.path === file.path ? placeholders.content : undefined, mask);
    if (!remote) return { ...base, status: 'new', diff: createTwoFilesPatch('/dev/null', file.path, '', view.ours, '', 'rendered') };
    const theirs = view.theirs(remote.content);
    const diff =
      theirs === view.ours
        ? `--- ${file.path}\n+++ ${file.path}\n(only a secret value changed; not shown)\n`
        : createTwoFilesPatch(file.path, file.path, theirs, view.ours, 'on host', 'rendered');
    return { ...base, status: 'changed', diff };
  }
  const reasons: string[] = [];
  if (remote.mode !== undefined && remote.mode !== file.mode)
    reasons.push(`mode ${remote.mode.toString(8).padStart(4, '0')} → ${file.mode.toString(8).padStart(4, '0')}`);
  if (remote.owner !== undefined && (remote.owner !== file.owner || remote.group !== file.group))
    reasons.push(`owner ${remote.owner}:${remote.group} → ${file.owner}:${file.group}`);
  if (reasons.length) {
    const reason = reasons.join(', ');
    return { ...base, status: 'changed', reason, diff: `--- ${file.path}\n+++ ${file.path}\n(${reason})\n` };
  }
  return { ...base, status: 'same', diff: '' };
}

/** `placeholders`: the host's files rendered with placeholder secrets (see planFile), matched by path. */
export function planHost(
  host: string,
  files: RenderedFile[],
  remote: Map<string, RemoteFile>,
  mask: Masker,
  placeholders: RenderedFile[] = [],
): HostPlan {
  const twin = new Map(placeholders.filter((f) => f.host === host).map((f) => [f.path, f]));
  const plans = files.map((f) => planFile(f, remote.get(f.path), mask, twin.get(f.path)));
  return { host, files: plans, reload: reloadsFor(plans) };
}

/**
 * Services to reload: those of files whose content is new or changed. A mode/owner-only change
 * does not alter what a daemon reads, so it reloads nothing.
 */
export function reloadsFor(plans: FilePlan[]): ServiceName[] {
  const set = new Set<ServiceName>();
  for (const p of plans) if (p.status !== 'same' && !p.reason) for (const s of p.reload) set.add(s);
  return SERVICES.filter((s) => set.has(s));
}
