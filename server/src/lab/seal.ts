/**
 * Sealing a lab host: every directory a deploy writes on the host must be private to it, or the
 * lab hosts overwrite each other's files and the machine's own /etc changes (issue 13, item 15:
 * `firewall nftables` wrote /etc/halab/firewall.nft on the machine, shared by all hosts).
 *
 * What a deploy writes is derived from what render produces for the host (the directory of each
 * file, where the staging directories go too) plus the deploy's backup root — not from a second
 * list. Each such directory is covered either by a bind mount the lab already makes (its data
 * dirs, /etc/ssh) or by an overlay: the machine's directory as the read-only lower layer, the
 * host's own upper layer in the lab state. The overlay goes on the deepest directory that exists
 * on the machine, because a mount point cannot be created without changing the machine (/etc/halab
 * does not exist here, so /etc itself is overlaid). Pure: the lab mounts, the tests check.
 */
import { posix } from 'node:path';
import type { Topology } from '../../../shared/model/types.js';
import { render } from '../render/render.js';
import { placeholderSecrets } from '../secrets.js';
import { BACKUP_ROOT } from '../deploy/remote-ops.js';
import { LabError } from './plan.js';

/** Each host gets a private tmpfs on these (see INIT_SCRIPT): writes there never reach the machine. */
export const TMPFS_DIRS = ['/run', '/tmp'];

export interface PrivateMount {
  kind: 'bind' | 'overlay';
  /** Where it is mounted on the host. */
  target: string;
  /** bind: the private directory (or file) mounted there. */
  source?: string;
}

/** Is `p` the directory `dir` or inside it. */
export function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);
}

/** The directories a deploy writes on each host of the topology: its files' dirs and the backup root. */
export function deployWrites(model: Topology): Map<string, string[]> {
  const { files } = render(model, { source: model.source, secrets: placeholderSecrets, preview: true });
  const out = new Map<string, Set<string>>();
  for (const h of [...model.lbs, ...model.upstreams.filter((u) => u.managed)]) out.set(h.name, new Set([BACKUP_ROOT]));
  for (const f of files) out.get(f.host)?.add(posix.dirname(f.path));
  return new Map([...out].map(([h, dirs]) => [h, [...dirs].sort()]));
}

/**
 * The overlays that make `written` private, given the lab's bind mounts: for each written dir not
 * already under a bind or a tmpfs, its deepest existing ancestor (or itself); nested ones dropped.
 */
export function overlayTargets(written: string[], binds: string[], exists: (p: string) => boolean): string[] {
  const anchors = new Set<string>();
  for (const d of written) {
    if ([...binds, ...TMPFS_DIRS].some((b) => within(d, b))) continue;
    let a = d;
    while (a !== '/' && !exists(a)) a = posix.dirname(a);
    if (a === '/') throw new LabError(`a deploy writes ${d}, which the lab cannot make private to its host (no parent directory but /)`);
    // overlayfs takes its layers as a comma/colon-separated option string
    if (/[,:\\\n]/.test(a)) throw new LabError(`the lab cannot overlay ${a}: the path holds a character overlayfs options cannot carry`);
    anchors.add(a);
  }
  return [...anchors].filter((a) => ![...anchors].some((b) => b !== a && within(a, b))).sort();
}

/**
 * The mount program of a host, shallowest target first, so a deeper mount lands on top of a
 * shallower one (the /etc/ssh bind on the /etc overlay, /var/lib/haproxy on a /var/lib overlay).
 */
export function mountOrder(mounts: PrivateMount[]): PrivateMount[] {
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a.target) - depth(b.target) || (a.kind === b.kind ? 0 : a.kind === 'overlay' ? -1 : 1));
}

/** Directories a host's deploy writes that none of its private mounts covers (empty when sealed). */
export function unsealed(written: string[], privateDirs: string[]): string[] {
  return written.filter((d) => ![...privateDirs, ...TMPFS_DIRS].some((p) => within(d, p)));
}
