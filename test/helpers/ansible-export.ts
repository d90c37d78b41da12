/**
 * What the Ansible export's tests share: exporting a topology with fixed SSH targets (no
 * ~/.ssh/config, no lab state), and the Python that Ansible runs — PyYAML to read the YAML back
 * and Jinja2 with the export's filter plugin to render its templates — found where Debian's
 * Ansible finds it (/usr/bin/python3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Topology } from '../../shared/model/types.js';
import { resolveTargets } from '../../server/src/deploy/targets.js';
import { exportAnsible, type AnsibleExport, type AnsibleExportOptions, type ExportMember } from '../../server/src/export/ansible.js';

export const PYTHON = '/usr/bin/python3';

/** Why the Python checks cannot run here, or undefined when they can. */
export function pythonMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const r = spawnSync(PYTHON, ['-c', 'import yaml, jinja2'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? undefined : `${PYTHON} lacks yaml or jinja2 (python3-yaml, python3-jinja2): ${r.stderr.trim()}`;
}

/** The export of `members`, each topology's hosts reached as its file says (no ssh config, no lab). */
export function exportFixed(members: ExportMember[], opts: AnsibleExportOptions = {}): AnsibleExport {
  return exportAnsible(members, { targets: (m: Topology) => resolveTargets(m, { lab: null, sshConfig: [], env: {}, home: '/home/ops' }), ...opts });
}

function python(script: string, input: unknown): unknown {
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Each text parsed by PyYAML (safe_load), as Ansible reads its YAML. */
export function parseYaml(texts: string[]): unknown[] {
  return python('import sys, json, yaml\nprint(json.dumps([yaml.safe_load(t) for t in json.load(sys.stdin)]))', texts) as unknown[];
}

const RENDER = `
import sys, json, types, jinja2
req = json.load(sys.stdin)
plugin = types.ModuleType('halab_filters')
exec(compile(req['plugin'], 'halab.py', 'exec'), plugin.__dict__)
# as Ansible's template module with trim_blocks false: no other option of Ansible's changes a raw block
env = jinja2.Environment(trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
env.filters.update(plugin.FilterModule().filters())
out = [env.from_string(c['template']).render(**c['vars']) for c in req['cases']]
calls = [getattr(plugin, c['fn'])(*c['args']) for c in req.get('calls', [])]
print(json.dumps({'rendered': out, 'calls': calls}))
`;

/** Renders templates with Jinja2 and the export's filters, and calls the plugin's functions by name. */
export function runPlugin(
  plugin: string,
  cases: Array<{ template: string; vars: Record<string, string> }>,
  calls: Array<{ fn: string; args: unknown[] }> = [],
): { rendered: string[]; calls: unknown[] } {
  return python(RENDER, { plugin, cases, calls }) as { rendered: string[]; calls: unknown[] };
}
