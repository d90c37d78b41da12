/**
 * Secrets in an Ansible export. No secret value is ever known to the export: each secret a
 * topology uses becomes an Ansible variable (`halab_secret_…`), defined in group_vars from the
 * environment variable the .halab file names (`env:NAME`) or from a `vault_…` variable the team
 * keeps in an ansible-vault file; and every file that holds one becomes a Jinja template in which
 * the variable stands where the renderer put the value, through a filter that quotes it as the
 * renderer does (filter_plugins/halab.py, ansible-filters.ts).
 *
 * Where a secret goes in a file is not guessed: the topology is rendered twice, with two sets of
 * marker values, and a file is a template exactly where the two renders differ.
 */
import type { SecretRef, Topology } from '../../../shared/model/types.js';
import { render } from '../render/render.js';
import type { RenderedFile } from '../render/types.js';
import { SECRET_FIELDS, topologySecrets, type TopologySecret } from '../secrets.js';

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** The filter that writes a secret the way the renderer writes it, per kind of secret field. */
export const SECRET_FILTERS: Record<keyof typeof SECRET_FIELDS, string> = {
  // auth_pass: cut to the 8 bytes keepalived reads, then a keepalived string (render.ts, escape.ts)
  vipAuth: 'halab_keepalived_auth_pass',
  // stats auth user:password: one HAProxy word
  statsPassword: 'halab_haproxy_word',
};

/** One Ansible variable holding a secret, and where its value comes from. */
export interface SecretVar {
  /** `halab_secret_…`: what the templates use. */
  name: string;
  /** Its definition: a lookup of the environment variable, or the vault variable. */
  definition: string;
  /** For the check before anything changes: what to set when it is empty. */
  hint: string;
}

export interface SecretSource {
  /** Take every value from `vault_<name>` variables (ansible-vault), not from the environment. */
  vault?: boolean;
}

/** The variable of a secret reference; a literal is named after its place, since it has no name of its own. */
function variableName(model: Topology, s: TopologySecret): string {
  const ref = s.ref;
  if (ref.kind === 'env') return `halab_secret_${ref.name.toLowerCase()}`;
  if (ref.kind === 'secret') return `halab_secret_store_${ref.name.toLowerCase()}`;
  const place = s.vip ? `${s.vip.instance}_auth` : 'stats_password';
  return `halab_secret_${model.name}_${place}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

function definition(name: string, ref: SecretRef, o: SecretSource): string {
  if (ref.kind === 'env' && !o.vault) return `{{ lookup('ansible.builtin.env', '${ref.name}') }}`;
  // empty when undefined, so the playbook's first check names what to define instead of failing on it
  return `{{ vault_${name} | default('') }}`;
}

function hint(name: string, s: TopologySecret, o: SecretSource): string {
  const ref = s.ref;
  if (ref.kind === 'env' && !o.vault) return `set ${ref.name} in the environment (the ${s.what}, env:${ref.name})`;
  const why =
    ref.kind === 'env'
      ? `env:${ref.name}`
      : ref.kind === 'secret'
        ? `secret:${ref.name} in the editor's secret store`
        : 'written in the .halab file itself; the export does not copy it';
  return `define vault_${name} in an ansible-vault file (the ${s.what}, ${why})`;
}

/** The secrets of one topology, as variables, in the order the renderer asks for them. */
export function secretVars(model: Topology, o: SecretSource = {}): Array<SecretVar & { secret: TopologySecret }> {
  return topologySecrets(model).map((secret) => {
    const name = variableName(model, secret);
    return { name, definition: definition(name, secret.ref, o), hint: hint(name, secret, o), secret };
  });
}

/**
 * Every variable of a fleet, once. Two references that would share a variable but are not the
 * same secret (env:A_B and env:a_b) are refused: one would silently take the other's value.
 */
export function mergeSecretVars(lists: Array<Array<SecretVar & { secret: TopologySecret }>>): SecretVar[] {
  const byName = new Map<string, SecretVar & { secret: TopologySecret }>();
  for (const v of lists.flat()) {
    const seen = byName.get(v.name);
    if (!seen) byName.set(v.name, v);
    else if (JSON.stringify(seen.secret.ref) !== JSON.stringify(v.secret.ref)) {
      throw new ExportError(`${refText(seen.secret.ref)} and ${refText(v.secret.ref)} would both be the Ansible variable ${v.name}; rename one`);
    }
  }
  return [...byName.values()].map(({ name, definition, hint }) => ({ name, definition, hint }));
}

function refText(ref: SecretRef): string {
  return ref.kind === 'literal' ? 'a literal secret' : `${ref.kind}:${ref.name}`;
}

/** A rendered file, and when it holds secrets, its Jinja template. */
export interface AnsibleFile extends RenderedFile {
  /** The file as an Ansible template (secrets as variables), or undefined: copy `content` as is. */
  template?: string;
}

/** Marker i of set A or B: safe characters only, so no filter alters it, and at most 8 bytes, so an auth_pass cut keeps it whole. */
const marker = (i: number, set: 'A' | 'B') => `@HX${i}${set}@`;
const MARKERS_A = /@HX(\d{1,3})A@/g;
const MAX_SECRETS = 1000;

/**
 * Renders the topology for Ansible: every file, and for those holding secrets a template. The two
 * renders must agree everywhere but at the markers, else a marker also occurs in the file's own
 * text (a pass-through line, say), and the export refuses rather than template that text.
 */
export function renderForAnsible(model: Topology, source: string | undefined, vars: Array<SecretVar & { secret: TopologySecret }>): AnsibleFile[] {
  if (vars.length >= MAX_SECRETS) throw new ExportError(`${model.name} has ${vars.length} secrets; an export takes at most ${MAX_SECRETS - 1}`);
  const index = new Map(vars.map((v, i) => [v.secret.what, i]));
  const markers = (set: 'A' | 'B') => (_ref: SecretRef, what: string) => marker(index.get(what)!, set);
  const a = render(model, { source, secrets: markers('A') }).files;
  const b = render(model, { source, secrets: markers('B') }).files;
  return a.map((f, n) => {
    const twin = b[n]!;
    if (f.content === twin.content) return f;
    const swapped = f.content.replace(MARKERS_A, (_m, i: string) => marker(Number(i), 'B'));
    if (swapped !== twin.content) {
      throw new ExportError(`${f.host}:${f.path} holds text that looks like the export's secret markers (@HX…A@); remove it from the .halab file`);
    }
    return { ...f, template: jinjaTemplate(f.content, (i) => expression(vars[i]!)) };
  });
}

function expression(v: SecretVar & { secret: TopologySecret }): string {
  const field: keyof typeof SECRET_FIELDS = v.secret.vip ? 'vipAuth' : 'statsPassword';
  return `{{ ${v.name} | ${SECRET_FILTERS[field]} }}`;
}

/**
 * The file's text as a Jinja template: literal text inside raw blocks, each marker replaced by its
 * variable's expression. A raw block ends at the first `endraw` tag, so any `endraw` in the text
 * is written as a Jinja string instead. The template task turns trim_blocks off, so no newline
 * after a tag is lost.
 */
export function jinjaTemplate(content: string, expr: (secretIndex: number) => string): string {
  const raw = (text: string) => (text ? `{% raw %}${text.replace(/endraw/g, "{% endraw %}{{ 'endraw' }}{% raw %}")}{% endraw %}` : '');
  let out = '';
  let last = 0;
  for (const m of content.matchAll(MARKERS_A)) {
    out += raw(content.slice(last, m.index)) + expr(Number(m[1]));
    last = m.index! + m[0].length;
  }
  return out + raw(content.slice(last));
}
