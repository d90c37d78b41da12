/**
 * Why does an lb not hold the VIP it should? Reads keepalived's state dump (SIGUSR1 →
 * /tmp/keepalived.data, through host-state.ts's KEEPALIVED_DUMP), the interface, haproxy,
 * and whether the host is a PID-namespace child (a container, the local lab), and says what
 * to do. Used by the failover preflight; the deploy's cluster check has a shorter version.
 */
import { script } from '../deploy/remote-ops.js';
import { lbInterface, type Lb, type Topology } from '../../../shared/model/types.js';
import { KEEPALIVED_DUMP, parseKeepalivedStates, type Exec } from './host-state.js';

export interface VrrpDiagnosis {
  lb: string;
  keepalived: 'running' | 'stopped' | 'unknown';
  /** VRRP instance → state (MASTER, BACKUP, FAULT, …). */
  instances: Record<string, string>;
  /** Human-readable causes and fixes; empty when nothing looks wrong. */
  explanation: string[];
}

/** One round trip: init process name, haproxy running, the interfaces' link flags. */
const FACTS = script(
  `echo "@@init $(cat /proc/1/comm 2>/dev/null)"
if pidof haproxy >/dev/null 2>&1 || pgrep -x haproxy >/dev/null 2>&1; then echo "@@haproxy up"; else echo "@@haproxy down"; fi
for i in "$@"; do echo "@@link $i $(ip -o link show dev "$i" 2>/dev/null | head -n1)"; done`,
);

export async function diagnoseVrrp(ssh: Exec, lb: Lb, model: Topology): Promise<VrrpDiagnosis> {
  const d: VrrpDiagnosis = { lb: lb.name, keepalived: 'unknown', instances: {}, explanation: [] };
  const ifaces = [...new Set(model.vips.map((v) => lbInterface(lb, v)))];
  try {
    const dump = await ssh.exec(KEEPALIVED_DUMP, { timeoutMs: 5000 });
    if (dump.code === 3) d.keepalived = 'stopped';
    else if (dump.code === 0) {
      d.keepalived = 'running';
      d.instances = Object.fromEntries(parseKeepalivedStates(dump.stdout));
    }
  } catch {
    /* unreachable: left unknown */
  }
  let facts = '';
  try {
    facts = (await ssh.exec([...(FACTS as string[]), ...ifaces], { timeoutMs: 5000 })).stdout;
  } catch {
    /* best effort */
  }
  const init = /@@init (\S*)/.exec(facts)?.[1] ?? '';
  const haproxyDown = facts.includes('@@haproxy down');
  if (d.keepalived === 'stopped') d.explanation.push(`keepalived is not running on ${lb.name}: start it (service keepalived start)`);
  const faults = Object.entries(d.instances)
    .filter(([, s]) => s === 'FAULT')
    .map(([i]) => i);
  if (faults.length) {
    const why: string[] = [];
    for (const i of ifaces) {
      const line = new RegExp(`@@link ${i} (.*)`).exec(facts)?.[1] ?? '';
      if (line && !/[<,]LOWER_UP[,>]/.test(line)) why.push(`interface ${i} has no carrier or is down`);
    }
    if (haproxyDown) why.push('haproxy is not running (the tracked check fails): start it');
    const processTracked = model.vips.some((v) => v.track === 'process');
    // pid 1 being sshd/sh/anything but an init system means a PID namespace of its own
    const inPidNs = init !== '' && !['systemd', 'init', 'openrc-init', 'runit', 'tini'].includes(init);
    if (processTracked && !haproxyDown) {
      why.push(
        '`track process` needs the kernel process-event connector' +
          (inPidNs
            ? `, which this host (pid 1 is ${init}: a container or the local lab) does not get`
            : ', which a host in its own PID namespace does not get') +
          ' — keepalived logs "Failed to set/clear process event listen - errno 111"; use `track script` there',
      );
    }
    if (why.length === 0) why.push('a tracked check is failing: does the track command work on the host?');
    d.explanation.push(`VRRP instance ${faults.join(', ')} on ${lb.name} is in FAULT: ${why.join('; ')}`);
  }
  return d;
}
