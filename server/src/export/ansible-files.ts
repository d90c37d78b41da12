/**
 * What the exported playbook needs to know about each rendered file, taken from the renderer's
 * own fields and the deploy's own commands (deploy/remote-ops.ts), so the playbook does what
 * `halab deploy` does with them: where it goes with which owner and mode, how it is validated
 * before it replaces the live file (or, for a whole-configuration validator such as `nginx -t`,
 * after the swap and before any reload), what applies it to the kernel and how that is undone,
 * which unit it enables at boot, and which services it reloads.
 */
import { posix } from 'node:path';
import { applyCommand, captureRuntimeCommand, restoreRuntimeCommand, nftTables, validateCommand } from '../deploy/remote-ops.js';
import type { Command } from '../deploy/shell-quote.js';
import type { YamlMap } from './yaml.js';
import type { AnsibleFile } from './ansible-secrets.js';

/** Where a file of a host lives in the export: under files/ (copied) or templates/ (with secrets). */
export function exportedSource(topology: string, f: AnsibleFile): { dir: 'files' | 'templates'; src: string } {
  const src = posix.join(topology, f.host, f.path);
  return f.template === undefined ? { dir: 'files', src } : { dir: 'templates', src: `${src}.j2` };
}

function argv(cmd: Command): string[] {
  if (!Array.isArray(cmd)) throw new Error('an exported command must be one argv');
  return [...(cmd as readonly string[])];
}

/**
 * A validator as the deploy runs it, minus `-q`: the deploy asks a quiet validator again without
 * it to show why it failed; Ansible shows the validator's output once, so it must be the loud one.
 */
function loud(template: string, path: string): string[] {
  return argv(validateCommand(template, path)).filter((a) => a !== '-q');
}

/** The validation of a file: `validate` (the copy module's, on the staged copy) or `check` (whole configuration, after the swap). */
function validation(f: AnsibleFile): YamlMap {
  if (!f.validate) return {};
  // copy's `validate` is split on blanks like the deploy's template; `%s` is its staged copy
  if (f.validate.includes('{}')) return { validate: loud(f.validate, '%s').join(' ') };
  return { check: loud(f.validate, f.path) };
}

/**
 * Kernel state: `apply` runs after the swap; a sysctl file's current values are read first
 * (`capture`, the deploy's own command) so a rollback can write them back; a ruleset loaded for
 * the first time is taken out again on rollback by `undo_new` (its tables, found in the file).
 */
function kernelState(f: AnsibleFile): YamlMap {
  if (!f.apply) return {};
  if (f.apply === 'unit') return { unit: posix.basename(f.path) };
  const out: YamlMap = { apply_kind: f.apply, apply: argv(applyCommand(f.apply, f.path)) };
  if (f.apply === 'sysctl') out.capture = argv(captureRuntimeCommand('sysctl', f.content, f.path));
  if (f.apply === 'nft') out.undo_new = argv(restoreRuntimeCommand({ kind: 'nft', path: f.path, tables: nftTables(f.content) }));
  return out;
}

/** One entry of a host's `halab_files` (host_vars). */
export function fileEntry(topology: string, f: AnsibleFile): YamlMap {
  return {
    dest: f.path,
    src: exportedSource(topology, f).src,
    template: f.template !== undefined,
    owner: f.owner,
    group: f.group,
    mode: `0${f.mode.toString(8).padStart(3, '0')}`,
    reload: [...f.reload],
    ...validation(f),
    ...kernelState(f),
  };
}
