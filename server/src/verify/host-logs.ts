/**
 * The last lines of a service's log on a host, for the editor's "Show Logs": the journal where
 * systemd runs; otherwise the service's own log file, else the syslog lines that name it. Read
 * only, one round trip, argv quoted in one place (the script is constant; the unit is $1).
 */
import { sshConnector, type Connector } from '../deploy/remote.js';
import type { Command } from '../deploy/shell-quote.js';
import type { HostTarget } from '../deploy/targets.js';

/** The services whose logs a host's role has. */
export function logServices(role: 'lb' | 'upstream'): string[] {
  return role === 'lb' ? ['haproxy', 'keepalived'] : ['nginx'];
}

const SCRIPT = [
  'n=$2',
  'if [ -d /run/systemd/system ] && command -v journalctl >/dev/null; then exec journalctl -u "$1" -n "$n" --no-pager -o short-iso; fi',
  'for f in "/var/log/$1.log" "/var/log/$1/error.log"; do [ -r "$f" ] && exec tail -n "$n" "$f"; done',
  'for f in /var/log/syslog /var/log/messages; do [ -r "$f" ] && { grep -a -- "$1" "$f" | tail -n "$n"; exit 0; }; done',
  'echo "no log found for $1 (no journal, /var/log/$1.log or syslog)"',
].join('\n');

export function logCommand(service: string, lines = 50): Command {
  return ['sh', '-c', SCRIPT, 'halab', service, String(lines)];
}

/**
 * Reads the last lines of each of `services`' logs on host `t` over the deploy's SSH layer (same
 * keys and known_hosts; an unknown host key is refused here, as in live status).
 */
export async function readHostLogs(
  t: HostTarget, services: readonly string[], lines = 50, connect: Connector = sshConnector,
): Promise<string> {
  const remote = await connect(t, false);
  try {
    const parts: string[] = [];
    for (const svc of services) {
      const r = await remote.exec(logCommand(svc, lines), { timeoutMs: 15_000 });
      parts.push(`==> ${svc} on ${t.name} <==\n${(r.stdout + r.stderr).trimEnd() || '(empty)'}\n`);
    }
    return parts.join('\n');
  } finally {
    remote.close();
  }
}
