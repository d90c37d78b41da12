/**
 * Live status of a deployed topology, for the diagram's overlay and the status bar: which lb holds
 * each VIP, each lb's keepalived state, and HAProxy's view of every server (UP/DOWN), read over SSH
 * with the deploy layer's connections (same host keys, same lab key). Read-only.
 */
import type { Topology } from '../../../shared/model/types.js';
import { sshConnector, type Connector, type Remote } from '../deploy/remote.js';
import { hostTargets } from '../deploy/access.js';
import type { HostTarget } from '../deploy/targets.js';
import { parseShowStat, showStatCommand } from './haproxy-stats.js';
import { ADDRESSES, KEEPALIVED_DUMP, parseAddresses, parseKeepalivedStates } from './host-state.js';
import { haproxyAdminSocket, instanceName } from '../render/names.js';
import type { Overlay } from '../../../shared/protocol/webview.js';
import { splitBrainMessage, splitBrains, type SplitBrain } from './split-brain.js';

type LbState = Overlay['lbs'][string]['state'];
type ServerState = Overlay['servers'][string][string];

const KNOWN_LB: readonly LbState[] = ['MASTER', 'BACKUP', 'FAULT', 'STOP'];

function serverState(status: string): ServerState {
  const word = status.split(/\s/)[0]!.toUpperCase();
  return (['UP', 'DOWN', 'MAINT', 'NOLB'] as const).find((s) => s === word) ?? 'UNKNOWN';
}

export interface LiveStatusOptions {
  targets?: HostTarget[];
  connect?: Connector;
  timeoutMs?: number;
}

/** A VIP held by two or more lbs, with keepalived's states and the sentence that says so (verify/split-brain.ts). */
export type LiveSplitBrain = SplitBrain & { message: string };

export interface LiveStatus extends Overlay {
  errors: string[];
  /** Every VIP that two or more lbs hold now (empty when none). */
  splitBrain: LiveSplitBrain[];
}

export async function readLiveStatus(model: Topology, opts: LiveStatusOptions = {}): Promise<LiveStatus> {
  const targets = opts.targets ?? hostTargets(model);
  const connect = opts.connect ?? sshConnector;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const vips = model.vips.map((v) => v.address);
  const overlay: LiveStatus = { at: new Date().toISOString(), lbs: {}, servers: {}, errors: [], splitBrain: [] };
  const stats = new Map<string, ReturnType<typeof parseShowStat>>();
  /** lb → keepalived's state per VRRP instance, where the dump was read. */
  const instances = new Map<string, Map<string, string>>();
  await Promise.all(
    model.lbs.map(async (lb) => {
      const t = targets.find((x) => x.name === lb.name);
      let remote: Remote | undefined;
      try {
        if (!t) throw new Error('no SSH target');
        // Never accept an unknown key from a status read: that is deploy's decision.
        remote = await connect(t, false);
        const addr = await remote.exec(ADDRESSES, { timeoutMs });
        const holds = parseAddresses(addr.stdout, vips);
        const dump = await remote.exec(KEEPALIVED_DUMP, { timeoutMs });
        let state: LbState = 'STOP';
        if (dump.code === 0) {
          const states = parseKeepalivedStates(dump.stdout);
          instances.set(lb.name, states);
          const first = model.vips[0] ? states.get(instanceName(model.vips[0])) : undefined;
          state = (KNOWN_LB.find((s) => s === first) ?? 'UNKNOWN') as LbState;
        }
        overlay.lbs[lb.name] = { state, holdsVips: holds };
        const st = await remote.exec(showStatCommand(haproxyAdminSocket(lb.os)), { timeoutMs });
        if (st.code === 0) stats.set(lb.name, parseShowStat(st.stdout));
      } catch (e) {
        overlay.lbs[lb.name] = { state: 'UNKNOWN', holdsVips: [] };
        overlay.errors.push(`${lb.name}: ${(e as Error).message}`);
      } finally {
        remote?.close();
      }
    }),
  );
  overlay.splitBrain = liveSplitBrains(model, overlay, instances);
  // HAProxy's view from the lb that serves traffic: the VIP holder, else any lb that answered.
  const holder = Object.entries(overlay.lbs).find(([, s]) => s.holdsVips.length > 0)?.[0];
  const view = (holder ? stats.get(holder) : undefined) ?? [...stats.values()][0] ?? [];
  for (const site of model.sites) {
    const row: Record<string, ServerState> = {};
    for (const s of view.filter((x) => x.backend === site.name)) row[s.server] = serverState(s.status);
    overlay.servers[site.name] = row;
  }
  return overlay;
}

/** The VIPs two or more lbs hold, each with its holders' keepalived states and the plain sentence. */
function liveSplitBrains(model: Topology, overlay: Overlay, instances: Map<string, Map<string, string>>): LiveSplitBrain[] {
  const holders = Object.fromEntries(
    model.vips.map((v) => [v.address, Object.keys(overlay.lbs).filter((lb) => overlay.lbs[lb]!.holdsVips.includes(v.address))]),
  );
  return splitBrains(holders).map((s) => {
    const vip = model.vips.find((v) => v.address === s.vip)!;
    const states = Object.fromEntries(s.holders.map((lb) => [lb, instances.get(lb)?.get(instanceName(vip)) ?? null]));
    const brain = { ...s, states };
    return { ...brain, message: splitBrainMessage(brain) };
  });
}
