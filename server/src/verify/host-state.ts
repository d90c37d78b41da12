/**
 * Reading a host's live state over its Remote: the commands and their parsers, shared by the
 * deploy's cluster check (cluster.ts), the live status (live-status.ts) and the failover test's
 * watchers and diagnosis. Read-only: nothing here changes a host.
 */
import { script } from '../deploy/remote-ops.js';
import type { Command } from '../deploy/shell-quote.js';
import type { ExecResult } from '../deploy/ssh.js';

/** What reading needs of a host: commands (a deploy Remote or a failover session both fit). */
export type Exec = { exec(cmd: Command, opts?: { timeoutMs?: number }): Promise<ExecResult> };

/** Every address configured on the host, one line per address (parsed by parseAddresses). */
export const ADDRESSES: Command = ['ip', '-o', 'addr', 'show'];

/**
 * `ip -o addr show`: which of `addresses` are configured on this host's network interfaces. An
 * address on `lo` does not count: every lb holds each VIP there too (the flow handoff, see
 * templates/handoff.nft.njk), and the VIP's holder is the lb that has it where ARP answers for it.
 */
export function parseAddresses(out: string, addresses: string[]): string[] {
  const have = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet6?\s+([0-9a-fA-F.:]+)\//.exec(line);
    if (m && m[1] !== 'lo') have.add(m[2]!.toLowerCase());
  }
  return addresses.filter((a) => have.has(a.toLowerCase()));
}

/**
 * keepalived's SIGUSR1 data dump (/tmp/keepalived.data): instance name → state.
 * Used only to explain a VIP that no lb holds (FAULT, e.g. track_process in a container).
 */
export const KEEPALIVED_DUMP: Command = script(
  `pid=$(cat /run/keepalived.pid 2>/dev/null) || exit 3
rm -f /tmp/keepalived.data; kill -USR1 "$pid" || exit 3
i=0; while [ ! -s /tmp/keepalived.data ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
cat /tmp/keepalived.data`,
);

export function parseKeepalivedStates(dump: string): Map<string, string> {
  const out = new Map<string, string>();
  let cur: string | undefined;
  for (const line of dump.split('\n')) {
    const inst = /VRRP Instance = (\S+)/.exec(line);
    if (inst) cur = inst[1];
    const st = /^\s*State = (\S+)/.exec(line);
    if (st && cur && !out.has(cur)) out.set(cur, st[1]!);
  }
  return out;
}
