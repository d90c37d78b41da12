/**
 * The topologies a fleet command (render, deploy, failover-test) works on: its arguments, each a
 * .halab file or a directory of them, analyzed; then the checks that span files (fleet.ts). Any
 * unreadable file, any file with errors or any cross-file problem is printed and nothing runs.
 */
import { analyze, fleetProblems, hasErrors, type FleetMember } from '../index.js';
import { formatGcc, readInputs, STDIN_NAME, toCliDiagnostics } from './check.js';
import { EXIT, terminalSafe } from './conventions.js';

export function loadTopologies(command: string, args: readonly string[]): { members: FleetMember[] } | { exit: number } {
  const say = (m: string) => process.stderr.write(terminalSafe(`halab ${command}: ${m}`) + '\n');
  let io = false;
  const inputs = readInputs(args.filter((a) => a !== '-'), (m) => {
    say(m);
    io = true;
  });
  if (args.includes('-')) {
    say(`${STDIN_NAME} is not accepted here: name the .halab files`);
    io = true;
  }
  if (io) return { exit: EXIT.usage };
  const members: FleetMember[] = [];
  let errors = false;
  for (const { name, text } of inputs) {
    const a = analyze(text, name);
    if (hasErrors(a.diagnostics)) {
      errors = true;
      for (const d of toCliDiagnostics(name, text, a.diagnostics)) if (d.severity === 'error') process.stderr.write(formatGcc(d) + '\n');
      say(`${name} has errors; fix them first (halab check ${name}).`);
    }
    members.push({ file: name, model: a.model });
  }
  if (errors) return { exit: EXIT.failed };
  const problems = fleetProblems(members);
  for (const p of problems) say(p);
  return problems.length ? { exit: EXIT.failed } : { members };
}
