/**
 * Big-input cases for test/unit/model/resolve-scale.test.ts. Each runs in a child process
 * (`runScaleCase`) so that a regression to quadratic time fails the test at its bound instead of
 * blocking the test runner for hours: synchronous code cannot be interrupted in-process.
 */
import { spawn } from 'node:child_process';
import { analyze, type Analysis } from '../../server/src/engine.js';
import { BASE } from './markers.js';

export const hostNames = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.example.com`);

export interface ScaleResult {
  /** Time of the analysis alone (not the text generation, not the process start). */
  ms: number;
  bytes: number;
  hosts: string[];
  servers: string[];
  internalErrors: number;
}

function measure(text: string, previous?: Analysis): ScaleResult & { analysis: Analysis } {
  const t = performance.now();
  const analysis = analyze(text, 'big.halab', previous);
  const ms = performance.now() - t;
  const big = analysis.model.sites.find((s) => s.name === 'big')!;
  return { ms, bytes: text.length, hosts: big.hosts, servers: big.servers, internalErrors: analysis.internalErrors.length, analysis };
}

const summary = ({ analysis: _a, ...r }: ScaleResult & { analysis: Analysis }): ScaleResult => r;

export const SCALE_CASES = {
  /** 32,000 host names, each written twice. */
  hosts32k: () => {
    const names = hostNames(32_000);
    return summary(measure(`${BASE}site big { host ${names.join(' ')} ${names.join(' ')}; servers web1 }\n`));
  },
  /** 100,000 servers naming 50,000 upstreams twice each. */
  servers100k: () => {
    const ups = Array.from({ length: 100_000 }, (_, i) => `web${i % 50_000}`);
    return summary(measure(`${BASE}site big { host big.example.com; servers ${ups.join(' ')} }\n`));
  },
  /** One keystroke in a 24,000-host list, analysed incrementally as the language server does. */
  keystroke24k: () => {
    const text = `${BASE}site big { host ${hostNames(24_000).join(' ')}; servers web1 }\n`;
    const first = measure(text).analysis;
    const at = text.indexOf('h12000.example.com');
    return summary(measure(text.slice(0, at) + 'x' + text.slice(at), first));
  },
  /** A single 5.9 MB line: 301,000 hosts. */
  line5_9MB: () => summary(measure(`${BASE}site big { host ${hostNames(301_000).join(' ')}; servers web1 }\n`)),
};

export type ScaleCase = keyof typeof SCALE_CASES;

/** Runs a case in a child process; rejects when it has not finished after `killAfterMs`. */
export function runScaleCase(name: ScaleCase, killAfterMs: number): Promise<ScaleResult> {
  const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(__filename)}).SCALE_CASES[${JSON.stringify(name)}]()))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: still running after ${killAfterMs} ms (killed)`));
    }, killAfterMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as ScaleResult);
      else reject(new Error(`${name}: the child exited with ${code}`));
    });
  });
}
