/**
 * The `halab` command line (§5). Each command lives in its own module with a `register` function;
 * to add a command, write server/src/cli/<command>.ts and add one line below. The executable is
 * halab.ts; this module only builds and runs the program, so tests can call `main` in-process.
 */
import { Command, CommanderError } from 'commander';
import { register as registerCheck } from './check.js';
import { register as registerLab } from './lab.js';
import { register as registerDeploy } from './deploy.js';
import { register as registerFailoverTest } from './failover-test.js';
import { register as registerRender } from './render.js';
import { register as registerImport } from './import.js';
import { register as registerExport } from './export.js';

declare const HALAB_VERSION: string;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('halab')
    .description('Check, render, deploy and failover-test redundant HAProxy + Keepalived topologies.')
    .version(typeof HALAB_VERSION === 'string' ? HALAB_VERSION : 'dev')
    .exitOverride()
    .showHelpAfterError();
  registerCheck(program);
  registerLab(program);
  registerDeploy(program);
  registerFailoverTest(program);
  registerRender(program);
  registerImport(program);
  registerExport(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every other parse problem is a usage error (2).
      return e.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`halab: ${(e as Error).message}\n`);
    return 1;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
