/**
 * The faults and their undoing, as remote commands (argv, see deploy/shell-quote.ts; scripts
 * are constants that get every value as a positional parameter), plus how long each fault
 * should take to move the VIP given the keepalived settings — used to size the test's phases.
 */
import type { FaultKind, Topology, Vip } from '../model/types.js';
import { script } from '../deploy/remote-ops.js';
import type { Command } from '../deploy/shell-quote.js';

export type InitSystem = 'systemd' | 'sysv';

export const FAULT_KINDS: readonly FaultKind[] = ['kill-haproxy', 'stop-haproxy', 'stop-keepalived', 'link-down', 'kill-upstream'];

export function isFaultKind(s: string): s is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(s);
}

/** Faults on the lb holding the VIP move it; kill-upstream must not. */
export function faultMovesVip(fault: FaultKind): boolean {
  return fault !== 'kill-upstream';
}

export const INIT_COMMAND: Command = script('if [ -d /run/systemd/system ]; then echo systemd; else echo sysv; fi');

export function parseInit(out: string): InitSystem {
  return out.trim() === 'systemd' ? 'systemd' : 'sysv';
}

/** SIGKILL every process of that name: killall (psmisc, on lbs), else pkill (procps, upstreams may lack psmisc). */
export function killCommand(proc: string): Command {
  return script('PATH="$PATH:/usr/sbin:/sbin"; if command -v killall >/dev/null 2>&1; then killall -s KILL "$1"; else pkill -KILL -x "$1"; fi', proc);
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

export interface FaultPlan {
  fault: FaultKind;
  /** The command that applies the fault (link-down: including its timed restore). */
  apply: Command;
  /** The command that undoes it (link-down: a safety net after the timed restore). */
  restore: Command;
  /** Checks that the fault is undone: [what, command exiting 0 when fine]. */
  checks: Array<[string, Command]>;
}

export function faultPlan(fault: FaultKind, init: InitSystem, o: { iface: string; holdMs: number }): FaultPlan {
  switch (fault) {
    case 'kill-haproxy':
      return { fault, apply: killCommand('haproxy'), restore: serviceCommand(init, 'start', 'haproxy'), checks: [['haproxy running', runningCommand('haproxy')]] };
    case 'stop-haproxy':
      return { fault, apply: serviceCommand(init, 'stop', 'haproxy'), restore: serviceCommand(init, 'start', 'haproxy'), checks: [['haproxy running', runningCommand('haproxy')]] };
    case 'stop-keepalived':
      return { fault, apply: serviceCommand(init, 'stop', 'keepalived'), restore: serviceCommand(init, 'start', 'keepalived'), checks: [['keepalived running', runningCommand('keepalived')]] };
    case 'link-down':
      return { fault, apply: linkDownCommand(o.iface, o.holdMs), restore: linkUpCommand(o.iface), checks: [[`link ${o.iface} up`, linkIsUpCommand(o.iface)]] };
    case 'kill-upstream':
      return { fault, apply: killCommand('nginx'), restore: serviceCommand(init, 'start', 'nginx'), checks: [['nginx running', runningCommand('nginx')]] };
  }
}

/** The backup's skew time ((256 − priority) / 256 × advert; keepalived.conf(5), RFC 5798). */
export function skewMs(priority: number, vip: Vip): number {
  return ((256 - priority) / 256) * vip.advertMs;
}

/**
 * Roughly how long the fault should take to move the VIP (or, for kill-upstream, to get the
 * server marked DOWN), from keepalived's and HAProxy's settings. Sizes the fault phase so it
 * can end; the measurement never depends on it.
 */
export function expectedFailoverMs(model: Topology, fault: FaultKind, backupPriority: number): number {
  const vip = model.vips[0]!;
  const skew = skewMs(backupPriority, vip);
  const masterDown = 3 * vip.advertMs + skew;
  switch (fault) {
    case 'kill-haproxy':
    case 'stop-haproxy': {
      if (vip.track === 'process') return vip.advertMs + skew;
      // keepalived runs the script every interval (whole seconds), `fall` = 1 in halab's config
      const detect = Math.max(1000, Math.ceil(vip.trackIntervalMs / 1000) * 1000);
      // weight 0 → FAULT → a priority-0 advert; a weight only lowers the priority, and the
      // backup then waits for the master-down timer
      return detect + (vip.trackWeight === 0 ? skew + vip.advertMs : masterDown);
    }
    case 'stop-keepalived':
      return vip.advertMs + skew;
    case 'link-down':
      return masterDown;
    case 'kill-upstream': {
      const s = model.sites.reduce((m, x) => Math.max(m, x.checkIntervalMs * (x.checkFall + 1)), 0);
      return s || 6000;
    }
  }
}
