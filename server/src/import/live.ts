/**
 * `halab import --from HOST…`: the same files, read from live hosts over the deploy's SSH layer
 * (OpenSSH config, keys, agent, known_hosts, jump hosts; a lab host's own key). Read only: one
 * shell command per host that prints each file it finds, base64-framed, and changes nothing.
 */
import { isIP } from 'node:net';
import type { Topology, Lb } from '../../../shared/model/types.js';
import { hostTargets, type AccessSettings } from '../deploy/access.js';
import { sshConnector, type Connector } from '../deploy/remote.js';
import { readLabState } from '../lab/state.js';
import { IMPORT_GLOBS, VHOST_GLOBS } from './read.js';
import type { ImportHost } from './types.js';


/**
 * Prints `path` then its base64 on one line, for every regular file of the list, then the index.html
 * of every nginx root; the host's short name first. No file is written, nothing is run as a service.
 */
const READ_SCRIPT = [
  'hostname -s 2>/dev/null || hostname',
  // the globs expand on the host
  `for f in ${IMPORT_GLOBS.join(' ')}; do [ -f "$f" ] && [ ! -L "$f" ] && { echo "$f"; base64 -w0 < "$f"; echo; }; done`,
  `for r in $(cat ${VHOST_GLOBS.join(' ')} 2>/dev/null | sed -n 's/^[[:space:]]*root[[:space:]]\\+\"\\?\\([^\";]*\\)\"\\?;.*/\\1/p' | sort -u); do`,
  '  f="$r/index.html"; [ -f "$f" ] && [ ! -L "$f" ] && { echo "$f"; base64 -w0 < "$f"; echo; }',
  'done',
  'exit 0',
].join('\n');

export interface FromHost {
  user?: string;
  host: string;
  port?: number;
}

/** `[user@]host[:port]` (IPv6 in brackets). */
export function parseFrom(spec: string): FromHost | undefined {
  const m = /^(?:([A-Za-z0-9._-]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(spec);
  if (!m) return undefined;
  return { user: m[1], host: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : undefined };
}

/** A topology holding only the hosts to read, so the deploy's target resolution applies to them. */
function readingTopology(hosts: FromHost[], labName?: string): Topology {
  // a lab host is known by its name and address in the lab's state (its key and known_hosts)
  const lab = labName ? readLabState(labName) : undefined;
  if (labName && !lab) throw new Error(`no lab of topology ${labName} on this machine (halab lab up FILE)`);
  const lbs = hosts.map((h, i): Lb => ({
    name: lab?.hosts.find((x) => x.address === h.host)?.name ?? `host${i + 1}`, address: h.host, role: i === 0 ? 'primary' : 'backup', priority: 100,
    ssh: { user: h.user ?? 'root', host: h.host, port: h.port ?? 22, explicit: h.user !== undefined || h.port !== undefined },
    os: 'debian', span: { start: 0, end: 0 }, nameSpan: { start: 0, end: 0 },
  }));
  return { name: labName ?? 'halab-import', lbs, vips: [], upstreams: [], sites: [], services: [] } as unknown as Topology;
}

export interface ReadLiveOptions {
  access?: AccessSettings;
  /** The topology name of a lab whose hosts these are (their keys come from the lab). */
  lab?: string;
  connector?: Connector;
  timeoutMs?: number;
}

export async function readLiveHosts(specs: FromHost[], o: ReadLiveOptions = {}): Promise<ImportHost[]> {
  const targets = hostTargets(readingTopology(specs, o.lab), o.access);
  const connect = o.connector ?? sshConnector;
  return Promise.all(
    targets.map(async (t, i) => {
      const remote = await connect(t, false);
      try {
        const r = await remote.exec(['sh', '-c', READ_SCRIPT], { timeoutMs: o.timeoutMs ?? 30_000 });
        if (r.code !== 0) throw new Error(`reading files on ${t.host} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 200)}`);
        return parseListing(r.stdout, specs[i]!);
      } finally {
        remote.close();
      }
    }),
  );
}

function parseListing(out: string, spec: FromHost): ImportHost {
  const lines = out.split('\n');
  const name = (lines[0] ?? '').trim().replace(/[^A-Za-z0-9_-]/g, '-') || spec.host;
  const files = new Map<string, string>();
  for (let i = 1; i + 1 < lines.length; i += 2) {
    if (!lines[i]!.startsWith('/')) break;
    files.set(lines[i]!, Buffer.from(lines[i + 1]!, 'base64').toString('utf8'));
  }
  return { name, address: isIP(spec.host) ? spec.host : undefined, files };
}
