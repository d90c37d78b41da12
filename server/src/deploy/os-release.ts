/** Reading /etc/os-release and matching it against the `os` a host declares. */
import type { Os } from '../../../shared/model/types.js';

export interface OsRelease {
  id: string;
  idLike: string[];
  versionId?: string;
  prettyName?: string;
}

/** os-release(5): KEY=value lines, values optionally quoted with shell-style escapes. */
export function parseOsRelease(text: string): OsRelease {
  const kv = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(raw.trim());
    if (!m) continue;
    let v = m[2]!;
    const q = /^(["'])(.*)\1$/.exec(v);
    if (q) v = q[1] === '"' ? q[2]!.replace(/\\(["\\$`])/g, '$1') : q[2]!;
    kv.set(m[1]!, v);
  }
  return {
    id: (kv.get('ID') ?? 'linux').toLowerCase(),
    idLike: (kv.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    versionId: kv.get('VERSION_ID'),
    prettyName: kv.get('PRETTY_NAME'),
  };
}

/** The `os` values and the os-release IDs that satisfy them. */
const IDS: Record<Os, string[]> = {
  almalinux: ['almalinux'],
  rhel: ['rhel'],
  rocky: ['rocky'],
  debian: ['debian'],
  ubuntu: ['ubuntu'],
};

/** undefined when the host runs the declared OS, else a message saying what to fix. */
export function osMismatch(host: string, declared: Os, rel: OsRelease): string | undefined {
  if (IDS[declared].includes(rel.id)) return undefined;
  const actual = rel.prettyName ?? rel.id;
  const suggestion = (Object.keys(IDS) as Os[]).find((o) => IDS[o].includes(rel.id));
  return (
    `${host}: the file says \`os ${declared}\` but /etc/os-release says ${actual} (ID=${rel.id}). ` +
    (suggestion ? `Write \`os ${suggestion}\` for this host` : `halab supports ${Object.keys(IDS).join(', ')}`) +
    ', or check that the address points at the right machine. Nothing was changed.'
  );
}
