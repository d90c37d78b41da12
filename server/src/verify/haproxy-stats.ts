/**
 * HAProxy's own view of its servers: `show stat` on the admin socket that halab's haproxy.cfg
 * declares (`stats socket /run/haproxy/admin.sock`), read over SSH. No extra package is needed
 * on the lb: socat or `nc -U` when present, else perl (perl-base is essential on Debian) or
 * python3 (RHEL).
 */
import { script } from '../deploy/remote-ops.js';
import type { Command } from '../deploy/shell-quote.js';

export const ADMIN_SOCKET = '/run/haproxy/admin.sock';

/** The perl fallback's program, quoted for sh (kept apart only for the script's line length). */
const PERL_SHOW_STAT = `'$c = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 3; print $c "show stat\\n"; print while <$c>;'`;

export function showStatCommand(socket = ADMIN_SOCKET): Command {
  return script(
    `s=$1
[ -S "$s" ] || { echo "no socket $s" >&2; exit 3; }
if command -v socat >/dev/null 2>&1; then echo "show stat" | socat -t 2 stdio "unix-connect:$s"
elif command -v perl >/dev/null 2>&1; then perl -MIO::Socket::UNIX -e ${PERL_SHOW_STAT} "$s"
elif command -v python3 >/dev/null 2>&1; then python3 -c 'import socket,sys
c=socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); c.sendall(b"show stat\\n")
while True:
    d=c.recv(65536)
    if not d: break
    sys.stdout.write(d.decode())' "$s"
elif nc -h 2>&1 | grep -q -- ' -U'; then echo "show stat" | nc -U "$s"
else echo "cannot talk to $s: install socat" >&2; exit 4
fi`,
    socket,
  );
}

export interface ServerStat {
  backend: string;
  server: string;
  /** UP, DOWN, "UP 1/3" (going down), "DOWN 1/2" (coming up), MAINT, "no check", … */
  status: string;
  /** Last check's result, e.g. "L4CON" (connection refused), "L7OK". */
  check?: string;
}

/** Parses `show stat` CSV (header "# pxname,svname,…"); keeps servers only (not FRONTEND/BACKEND rows). */
export function parseShowStat(csv: string): ServerStat[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) return [];
  const cols = header.slice(2).split(',');
  const iPx = cols.indexOf('pxname');
  const iSv = cols.indexOf('svname');
  const iSt = cols.indexOf('status');
  const iCk = cols.indexOf('check_status');
  if (iPx < 0 || iSv < 0 || iSt < 0) return [];
  const out: ServerStat[] = [];
  for (const l of lines) {
    if (l.startsWith('#')) continue;
    const f = l.split(',');
    const sv = f[iSv];
    if (!sv || sv === 'FRONTEND' || sv === 'BACKEND') continue;
    const st: ServerStat = { backend: f[iPx] ?? '', server: sv, status: f[iSt] ?? '' };
    if (iCk >= 0 && f[iCk]) st.check = f[iCk];
    out.push(st);
  }
  return out;
}
