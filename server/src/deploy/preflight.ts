/**
 * Preflight: every tool a deploy will run on a host, derived from the host's rendered files, is
 * checked against the host's facts before anything changes. Without it a missing tool (e.g.
 * firewall-cmd on a Debian host) failed at the apply step, after the files had been swapped.
 * The tools are:
 * - each file's validator (`haproxy -c`, `nft -c`, …) — the first word of its `validate`;
 * - what applies a file (sysctl, nft, or the commands a firewall script runs);
 * - the service manager that reloads the services (systemctl, or service without systemd).
 * Pure: the deploy gathers the facts and reports the result.
 */
import type { Os } from '../../../shared/model/types.js';
import type { RenderedFile } from '../render/types.js';
import { toolRequirement, type Requirement } from './bootstrap.js';
import { applyCommand, BACKUP_ROOT, type InitSystem } from './remote-ops.js';
import { unsealed } from '../lab/seal.js';

export interface ToolNeed {
  binary: string;
  /** What needs it, for the message: "to validate /etc/halab/firewall.nft". */
  why: string;
  /** The file that needs it (a firewall file gets the `firewall` kind as an alternative fix). */
  file: RenderedFile;
}

/** Words a shell script runs that are not binaries to look for. */
const SHELL_WORDS = new Set([
  'set', 'exit', 'echo', 'printf', 'true', 'false', 'if', 'then', 'else', 'fi', 'for', 'do', 'done', '[', 'test', 'cd',
]);

/** The commands a shell script runs: the first word of each line that is not a comment. */
function scriptCommands(content: string): string[] {
  const out: string[] = [];
  for (const raw of content.split('\n')) {
    const w = raw.trim().split(/\s+/)[0];
    if (!w || w.startsWith('#') || SHELL_WORDS.has(w) || w.includes('=')) continue;
    out.push(w);
  }
  return out;
}

export function toolsNeeded(files: RenderedFile[], init: InitSystem): ToolNeed[] {
  const needs: ToolNeed[] = [];
  for (const f of files) {
    const v = f.validate?.trim().split(/\s+/)[0];
    if (v) needs.push({ binary: v, why: `to validate ${f.path}`, file: f });
    else if (f.reload.includes('nginx')) needs.push({ binary: 'nginx', why: `to validate ${f.path}`, file: f });
    if (f.apply === 'unit') {
      // enabling a unit needs systemctl where systemd runs, and nothing elsewhere
      if (init === 'systemd') needs.push({ binary: 'systemctl', why: `to enable ${f.path}`, file: f });
    } else if (f.apply) {
      const argv = applyCommand(f.apply, f.path) as string[];
      const bins = argv[0] === 'sh' ? scriptCommands(f.content) : [argv[0]!];
      for (const b of bins) needs.push({ binary: b, why: `to apply ${f.path}`, file: f });
    }
    if (f.reload.length) {
      const mgr = init === 'systemd' ? 'systemctl' : 'service';
      needs.push({ binary: mgr, why: `to reload ${f.reload.join(', ')}`, file: f });
    }
  }
  return needs.filter((n) => n.binary !== 'sh');
}

export interface ToolCheck {
  /** Lacking tools a package brings: installed by --bootstrap. */
  installable: Requirement[];
  /** Every lacking tool with why it is needed. */
  lacking: ToolNeed[];
  /** The message when something is lacking, naming the fixes; undefined when all is there. */
  message?: string;
}

/** Which needed tools the host lacks, and what would fix it. */
export function checkTools(host: string, os: Os, files: RenderedFile[], init: InitSystem, found: ReadonlySet<string>): ToolCheck {
  const lacking = toolsNeeded(files, init).filter((n) => !found.has(n.binary));
  const byBinary = new Map<string, ToolNeed[]>();
  for (const n of lacking) byBinary.set(n.binary, [...(byBinary.get(n.binary) ?? []), n]);
  const installable: Requirement[] = [];
  const parts: string[] = [];
  const optOuts = new Set<string>();
  for (const [bin, ns] of byBinary) {
    const req = toolRequirement(os, bin);
    if (req) installable.push(req);
    const whys = [...new Set(ns.map((n) => n.why))].join(', ');
    parts.push(`${bin} (${whys}; ${req ? `package ${req.pkg}` : 'no package brings it'})`);
    for (const n of ns) if (n.file.optOut) optOuts.add(n.file.optOut);
  }
  if (parts.length === 0) return { installable, lacking };
  const fixes: string[] = [];
  if (installable.length) fixes.push(`run deploy with --bootstrap to install ${installable.map((r) => r.pkg).join(', ')}`);
  for (const o of optOuts) fixes.push(`or ${o}`);
  return { installable, lacking, message: `${host} lacks ${parts.join('; ')}: nothing was changed; ${fixes.join(', ') || 'install it'}` };
}

/**
 * A lab host must keep every path a deploy writes private (lab/seal.ts): the lab made its mounts
 * for the file as it was at `lab up`. A path added since (a new site root, a firewall turned on)
 * would land on the machine itself, so the deploy stops and says to recreate the lab.
 */
export function labSealProblem(host: string, files: RenderedFile[], privateDirs: string[] | undefined): string | undefined {
  const written = [...new Set([BACKUP_ROOT, ...files.map((f) => f.path.slice(0, f.path.lastIndexOf('/')) || '/')])];
  const open = unsealed(written, privateDirs ?? []);
  if (open.length === 0) return undefined;
  return `lab host ${host}: a deploy would write ${open.join(', ')} on this machine itself, outside the host's private directories ` +
    '(the lab was made for an earlier version of the file): nothing was changed; run `halab lab up` again';
}
