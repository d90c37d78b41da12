/**
 * The fault kinds, as one table (`FAULTS`): for each, where it is applied, whether it moves the
 * VIP, its commands and their undoing (argv, see deploy/shell-quote.ts; scripts are constants
 * that get every value as a positional parameter), what its restore is called, how long it
 * should take given the keepalived and HAProxy settings (to size the test's phases), and which
 * event counts as the takeover. run.ts reads the table and never names a fault.
 *
 * To add a fault kind: add its name to FAULT_KINDS in schema/schema.ts, one entry here, and a
 * case in test/unit/failover/parts.test.ts (and test/e2e/failover.test.ts for its behaviour).
 */
import type { FaultKind, Topology, Vip } from '../../../shared/model/types.js';
import { FAULT_KINDS } from '../schema/schema.js';
import { script } from '../deploy/remote-ops.js';
import type { Command } from '../deploy/shell-quote.js';
import { masterDownMs as vrrpMasterDownMs, skewMs as vrrpSkewMs } from '../model/vrrp-timing.js';

export type InitSystem = 'systemd' | 'sysv';

export { FAULT_KINDS };

export function isFaultKind(s: string): s is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(s);
}

export const INIT_COMMAND: Command = script('if [ -d /run/systemd/system ]; then echo systemd; else echo sysv; fi');

export function parseInit(out: string): InitSystem {
  return out.trim() === 'systemd' ? 'systemd' : 'sysv';
}

/** SIGKILL every process of that name: killall (psmisc, on lbs), else pkill (procps, upstreams may lack psmisc). */
export function killCommand(proc: string): Command {
  return script(
    'PATH="$PATH:/usr/sbin:/sbin"; ' +
      'if command -v killall >/dev/null 2>&1; then killall -s KILL "$1"; else pkill -KILL -x "$1"; fi',
    proc,
  );
}

export function serviceCommand(init: InitSystem, action: 'start' | 'stop', svc: string): Command {
  return init === 'systemd'
    ? ['systemctl', action, svc]
    : script('PATH="$PATH:/usr/sbin:/sbin"; service "$1" "$2"', svc, action);
}

/** Exit 0 when a process of that name runs (Debian's keepalived init script has no `status`). */
export function runningCommand(proc: string): Command {
  return script('pidof "$1" >/dev/null 2>&1 || pgrep -x "$1" >/dev/null 2>&1', proc);
}

/** Delay between the link-down command's arrival and the link going down: the answer gets out first. */
export const LINK_DOWN_DELAY_MS = 100;

/**
 * Link down with a timed restore, detached from the SSH session: the link being cut is usually
 * the one SSH travels on, so the session cannot be relied on to bring it back. setsid (and HUP
 * ignored) keeps the job alive if sshd closes the session meanwhile.
 */
export function linkDownCommand(iface: string, holdMs: number): Command {
  const delay = (LINK_DOWN_DELAY_MS / 1000).toFixed(3);
  const hold = (holdMs / 1000).toFixed(3);
  return script(
    `PATH="$PATH:/usr/sbin:/sbin"
S='trap "" HUP; sleep "$2"; ip link set dev "$1" down; sleep "$3"; ip link set dev "$1" up'
if command -v setsid >/dev/null 2>&1; then
  setsid sh -c "$S" halab-link-down "$1" "$2" "$3" </dev/null >/dev/null 2>&1 &
else
  nohup sh -c "$S" halab-link-down "$1" "$2" "$3" </dev/null >/dev/null 2>&1 &
fi`,
    iface,
    delay,
    hold,
  );
}

export function linkUpCommand(iface: string): Command {
  return script('PATH="$PATH:/usr/sbin:/sbin"; ip link set dev "$1" up', iface);
}

/** Exit 0 when the link is administratively up. */
export function linkIsUpCommand(iface: string): Command {
  return script('PATH="$PATH:/usr/sbin:/sbin"; ip -o link show dev "$1" | grep -q "[<,]UP[,>]"', iface);
}

/** The nftables table block-vrrp adds on an lb: its own, so that deleting it touches nothing else. */
export const FAULT_TABLE = { family: 'inet', name: 'halab_fault' } as const;
const TABLE = `${FAULT_TABLE.family} ${FAULT_TABLE.name}`;

/**
 * Drops every VRRP packet (IP protocol 112, IPv4 and IPv6) arriving at the lb: the classic
 * firewall mistake. Its adverts still go out; it just stops hearing its peers'. The table is
 * declared, deleted and declared again in one transaction, so a leftover of a crashed run is
 * replaced rather than doubled.
 */
const BLOCK_VRRP_RULESET = `table ${TABLE}
delete table ${TABLE}
table ${TABLE} {
  chain input {
    type filter hook input priority -200; policy accept;
    meta l4proto 112 counter drop comment "halab failover-test block-vrrp"
  }
}
`;

/** Declared then deleted in one transaction: succeeds whether or not the table is there. */
const UNBLOCK_VRRP_RULESET = `table ${TABLE}
delete table ${TABLE}
`;

/** `nft -f -` with a ruleset given as $1 (a constant): no value reaches the shell unquoted. */
function nftRuleset(ruleset: string): Command {
  return script('PATH="$PATH:/usr/sbin:/sbin"; printf "%s" "$1" | nft -f -', ruleset);
}

export function blockVrrpCommand(): Command {
  return nftRuleset(BLOCK_VRRP_RULESET);
}

export function unblockVrrpCommand(): Command {
  return nftRuleset(UNBLOCK_VRRP_RULESET);
}

/** Exit 0 when the fault's table is gone (and nft answers: a missing nft is no proof). */
export function vrrpUnblockedCommand(): Command {
  return script(
    'PATH="$PATH:/usr/sbin:/sbin"; nft list tables >/dev/null 2>&1 && ! nft list table "$1" "$2" >/dev/null 2>&1',
    FAULT_TABLE.family,
    FAULT_TABLE.name,
  );
}

export interface FaultPlan {
  fault: FaultKind;
  /** The command that applies the fault (link-down: including its timed restore). */
  apply: Command;
  /** The command that undoes it (link-down: a safety net after the timed restore). */
  restore: Command;
  /** Checks that the fault is undone: [what, command exiting 0 when fine]. */
  checks: Array<[string, Command]>;
}

/** What a fault's commands depend on: the host's init system, the VIP's link, the fault's hold. */
export interface FaultContext {
  init: InitSystem;
  iface: string;
  holdMs: number;
}

export interface FaultSpec {
  /**
   * `vip-holder`: the lb holding the VIP (the primary). `vip-backup`: the backup expected to take
   * it over (the lb not holding it). `upstream`: one managed upstream's web server; the VIP must
   * stay where it is, HAProxy must route around the server, and its retries make requests slow
   * but answered.
   */
  target: 'vip-holder' | 'vip-backup' | 'upstream';
  /** Whether the VIP must leave the faulted lb (the verdict fails if it does not, or if it moves when it must not). */
  movesVip: boolean;
  /**
   * The event that ends the fault phase (the takeover) and, undone, the failback: another lb
   * holding the VIP (and the VIP back on the primary), or HAProxy on the primary marking the
   * server DOWN (and UP again).
   */
  takeover: 'vip' | 'server-status';
  /**
   * The fault cuts the link SSH travels on: its command only schedules it, detached on the host,
   * `delayMs` after it arrives, with its restore timed `holdMs` later. Its answer may be lost,
   * the fault always lasts `holdMs`, and the restore command is only a safety net.
   */
  timedOnHost?: { delayMs: number };
  /** The fault's commands. */
  plan(c: FaultContext): Omit<FaultPlan, 'fault'>;
  /** What the restore does, for the timeline and the progress lines. */
  restoreLabel: string;
  /**
   * The target goes away and comes back by itself (a reboot): it needs systemd (which starts its
   * services at boot), its sessions are opened again once it answers, and the restore waits
   * (at most `waitMs`) until its boot has finished; the report then lists `services` as systemd
   * started them (FailoverReport.cameBack). Nothing is done to it: what comes back is its own.
   * `boot` prints which boot the host is in (read before the fault, so the wait ends only on a
   * new one, not on the old one still stopping) and, once that boot has finished, systemd's state.
   */
  comesBack?: { waitMs: number; services: readonly string[]; boot: Command };
  /**
   * The probed sites and services whose exchanges already under way on the target when the fault
   * ran are lost with the process it kills: no proxy can replay a TCP stream, nor an HTTP request
   * the server had taken. The report counts those as cut, apart from failures (analyze.ts). Absent
   * when the fault's loss is the outage itself (an lb's daemon: the VIP moves).
   */
  cuts?(model: Topology, target: string): string[];
  /**
   * Roughly how long the fault should take to move the VIP (or to get the server marked DOWN),
   * from keepalived's and HAProxy's settings. Sizes the fault phase so it can end; the
   * measurement never depends on it.
   */
  expectedMs(model: Topology, vip: Vip, backupPriority: number): number;
}

const daemonRunning = (proc: string): Array<[string, Command]> => [[`${proc} running`, runningCommand(proc)]];

/** A fault that stops (or kills) a daemon and starts it again. */
function daemonFault(proc: string, apply: (c: FaultContext) => Command): FaultSpec['plan'] {
  return (c) => ({ apply: apply(c), restore: serviceCommand(c.init, 'start', proc), checks: daemonRunning(proc) });
}

/** keepalived notices a dead haproxy by process tracking, or by its check script every interval. */
function haproxyDownMs(_model: Topology, vip: Vip, backupPriority: number): number {
  const skew = skewMs(backupPriority, vip);
  // the watcher learns from the closed socket at once: FAULT, a priority-0 advert, the skew
  if (vip.track === 'watcher') return skew;
  if (vip.track === 'process') return vip.advertMs + skew;
  // keepalived runs the script every interval (whole seconds), `fall` = 1 in halab's config
  const detect = Math.max(1000, Math.ceil(vip.trackIntervalMs / 1000) * 1000);
  // weight 0 → FAULT → a priority-0 advert; a weight only lowers the priority, and the
  // backup then waits for the master-down timer
  return detect + (vip.trackWeight === 0 ? skew + vip.advertMs : masterDownMs(vip, backupPriority));
}

/**
 * The sites and services that reach `upstream`'s web server (nginx, on the upstream's port): a
 * service on another port of the same host (sshd's banner, say) does not lose its exchanges when
 * nginx dies.
 */
function probedOnWebServer(model: Topology, upstream: string): string[] {
  const port = model.upstreams.find((u) => u.name === upstream)?.port;
  return [
    ...model.sites.filter((s) => s.servers.includes(upstream)),
    ...model.services.filter((s) => s.servers.includes(upstream) && s.port === port),
  ].map((s) => s.name);
}

/**
 * Reboot, detached from the SSH session it arrives on (the reboot ends that session): the answer
 * gets out first, then systemd reboots the machine as `systemctl reboot` by hand would.
 */
export function rebootCommand(): Command {
  return script(
    `PATH="$PATH:/usr/sbin:/sbin"
command -v systemctl >/dev/null 2>&1 || { echo "no systemctl: the reboot fault needs systemd" >&2; exit 1; }
setsid sh -c 'trap "" HUP; sleep 0.1; systemctl reboot' halab-reboot </dev/null >/dev/null 2>&1 &`,
  );
}

/** What an lb's boot must start for it to serve again (halab-watch through systemd's sysv generator). */
const REBOOT_SERVICES = ['haproxy', 'keepalived', 'halab-watch'] as const;

/**
 * "BOOT STATE": which boot this is (PID 1's start time, in clock ticks since the kernel booted: a
 * machine shares its kernel, so the kernel's boot id would not change) and systemd's state once
 * the boot has finished — `running`, or `degraded` when a unit failed; `stopping` while it goes down.
 */
export const BOOT_COMMAND: Command = script('b=$(cut -d" " -f22 /proc/1/stat); s=$(systemctl is-system-running --wait); echo "$b $s"');

const ON_VIP_HOLDER = { target: 'vip-holder', movesVip: true, takeover: 'vip' } as const;

export const FAULTS: Record<FaultKind, FaultSpec> = {
  'kill-haproxy': {
    ...ON_VIP_HOLDER,
    plan: daemonFault('haproxy', () => killCommand('haproxy')),
    restoreLabel: 'start haproxy',
    expectedMs: haproxyDownMs,
  },
  'stop-haproxy': {
    ...ON_VIP_HOLDER,
    plan: daemonFault('haproxy', (c) => serviceCommand(c.init, 'stop', 'haproxy')),
    restoreLabel: 'start haproxy',
    expectedMs: haproxyDownMs,
  },
  'stop-keepalived': {
    ...ON_VIP_HOLDER,
    plan: daemonFault('keepalived', (c) => serviceCommand(c.init, 'stop', 'keepalived')),
    restoreLabel: 'start keepalived',
    // a stopping keepalived sends a priority-0 advert
    expectedMs: (_m, vip, p) => vip.advertMs + skewMs(p, vip),
  },
  'link-down': {
    ...ON_VIP_HOLDER,
    timedOnHost: { delayMs: LINK_DOWN_DELAY_MS },
    plan: (c) => ({
      apply: linkDownCommand(c.iface, c.holdMs),
      restore: linkUpCommand(c.iface),
      checks: [[`link ${c.iface} up`, linkIsUpCommand(c.iface)]],
    }),
    restoreLabel: 'link up',
    // the master just goes silent: the backup waits for its master-down timer
    expectedMs: (_m, vip, p) => masterDownMs(vip, p),
  },
  // the backup stops hearing the primary and becomes MASTER too: a split brain, which the verdict
  // names (analyze.ts); the VIP "moves" in that the backup takes it, and comes back when the
  // backup hears the primary again
  'block-vrrp': {
    target: 'vip-backup',
    movesVip: true,
    takeover: 'vip',
    plan: () => ({
      apply: blockVrrpCommand(),
      restore: unblockVrrpCommand(),
      checks: [['VRRP not blocked (no nftables table halab_fault)', vrrpUnblockedCommand()]],
    }),
    restoreLabel: 'unblock VRRP',
    // the backup's master-down timer runs out as if the primary were silent
    expectedMs: (_m, vip, p) => masterDownMs(vip, p),
  },
  reboot: {
    ...ON_VIP_HOLDER,
    plan: () => ({
      apply: rebootCommand(),
      restore: BOOT_COMMAND,
      checks: REBOOT_SERVICES.map((s): [string, Command] => [`${s} started by systemd`, ['systemctl', 'is-active', '--quiet', s]]),
    }),
    restoreLabel: 'wait for the machine to boot',
    comesBack: { waitMs: 120_000, services: REBOOT_SERVICES, boot: BOOT_COMMAND },
    // systemd stops keepalived first thing: a priority-0 advert, as stop-keepalived
    expectedMs: (_m, vip, p) => vip.advertMs + skewMs(p, vip),
  },
  'kill-upstream': {
    target: 'upstream',
    movesVip: false,
    takeover: 'server-status',
    plan: daemonFault('nginx', () => killCommand('nginx')),
    restoreLabel: 'start nginx',
    cuts: probedOnWebServer,
    expectedMs: (model) => model.sites.reduce((m, x) => Math.max(m, x.checkIntervalMs * (x.checkFall + 1)), 0) || 6000,
  },
};

export function faultPlan(fault: FaultKind, init: InitSystem, o: { iface: string; holdMs: number }): FaultPlan {
  return { fault, ...FAULTS[fault].plan({ init, ...o }) };
}

/** The backup's skew time for this vip (model/vrrp-timing.ts). */
export function skewMs(priority: number, vip: Vip): number {
  return vrrpSkewMs(priority, vip.advertMs);
}

/** The backup's master-down timer for this vip (model/vrrp-timing.ts). */
function masterDownMs(vip: Vip, backupPriority: number): number {
  return vrrpMasterDownMs(vip.advertMs, backupPriority);
}

/** Roughly how long the fault should take (FaultSpec.expectedMs), for the topology's first vip. */
export function expectedFailoverMs(model: Topology, fault: FaultKind, backupPriority: number): number {
  return FAULTS[fault].expectedMs(model, model.vips[0]!, backupPriority);
}
