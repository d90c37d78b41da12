/**
 * The boundaries between targets are the compiler's to check (ARCHITECTURE.md, "Invariants"):
 * one tsconfig per target, so the engine cannot import `vscode` or use the DOM, shared/ needs
 * neither node nor the DOM, the webview cannot import node modules, and a target reaches only its
 * own files and the projects it references.
 *
 * Each case compiles one probe file under a target's settings — a tiny tsconfig that extends the
 * target's, in a temporary folder under out/ (ignored by git and by every project) — and asserts
 * the compiler's error. The allowed cases must compile, so a broken probe cannot pass.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);

const VSCODE = "import * as vscode from 'vscode';\nexport const x = vscode.window;\n";
const NODE_FS = "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n";
const DOM = 'export const x = document.title;\n';
const PROCESS = 'export const x = process.env;\n';
const BUFFER = "export const x = Buffer.from('');\n";
/** A probe is one folder deep in out/boundary-probe-*: three levels below the root. */
const ENGINE = "import { analyze } from '../../../server/src/engine.js';\nexport const x = analyze;\n";

/** `error` is the compiler's code for the probe, or null when the target may do this. */
interface Case { target: string; what: string; source: string; error: RegExp | null }
const CASES: Case[] = [
  { target: 'server', what: 'the engine cannot import vscode', source: VSCODE,
    error: /TS2306: File '.*only-client-src-imports-vscode\.d\.ts' is not a module/ },
  { target: 'server', what: 'the engine has no DOM', source: DOM, error: /TS2584: Cannot find name 'document'/ },
  { target: 'server', what: 'the engine may use node', source: NODE_FS, error: null },
  { target: 'shared', what: 'shared/ cannot import node modules', source: NODE_FS,
    error: /TS(2307|2591): Cannot find (module|name) 'node:fs'/ },
  { target: 'shared', what: 'shared/ has no node globals', source: PROCESS, error: /TS2591: Cannot find name 'process'/ },
  { target: 'shared', what: 'shared/ has no DOM', source: DOM, error: /TS2584: Cannot find name 'document'/ },
  { target: 'shared', what: 'shared/ cannot import vscode', source: VSCODE, error: /TS2306/ },
  { target: 'shared', what: 'shared/ may use ES2022', source: 'export const x = [1, 2].at(-1);\n', error: null },
  { target: 'webview', what: 'the webview cannot import node modules', source: NODE_FS,
    error: /TS(2307|2591): Cannot find (module|name) 'node:fs'/ },
  { target: 'webview', what: 'the webview has no node globals', source: BUFFER, error: /TS2591: Cannot find name 'Buffer'/ },
  { target: 'webview', what: 'the webview cannot import vscode', source: VSCODE, error: /TS2306/ },
  { target: 'webview', what: 'the webview cannot reach into the engine', source: ENGINE,
    error: /TS6307: File '.*server\/src\/engine\.ts' is not listed/ },
  { target: 'webview', what: 'the webview may use the DOM', source: DOM, error: null },
  { target: 'client', what: 'the extension may import vscode', source: VSCODE, error: null },
  { target: 'client', what: 'the extension has no DOM', source: DOM, error: /TS2584: Cannot find name 'document'/ },
];

mkdirSync(join(ROOT, 'out'), { recursive: true });
const PROBES = mkdtempSync(join(ROOT, 'out', 'boundary-probe-'));
after(() => rmSync(PROBES, { recursive: true, force: true }));

/** The probe's errors (lines of `tsc -p` output about probe.ts) under `target`'s settings. */
async function compile(c: Case, i: number): Promise<string[]> {
  const dir = join(PROBES, String(i));
  mkdirSync(dir);
  writeFileSync(join(dir, 'probe.ts'), c.source);
  // Own outDir: the target's would put this probe's build info next to the real project's.
  const config = { extends: relative(dir, join(ROOT, c.target, 'tsconfig.json')), compilerOptions: { noEmit: true, outDir: './out' },
    include: ['probe.ts'] };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
  const out = await run(process.execPath, [TSC, '-p', dir], { cwd: ROOT, maxBuffer: 64 << 20 })
    .then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? String(e));
  return out.split('\n').filter((l) => /probe\.ts\(\d+,\d+\): error/.test(l));
}

describe('each target compiles under its own boundary', () => {
  const results = Promise.all(CASES.map(compile));
  for (const [i, c] of CASES.entries()) {
    it(`${c.target}: ${c.what}`, async () => {
      const errors = (await results)[i]!;
      if (c.error) assert.ok(errors.some((l) => c.error!.test(l)),
        `expected ${c.error} for:\n${c.source}\ngot:\n${errors.join('\n') || '(no error)'}`);
      else assert.deepEqual(errors, []);
    });
  }
});

/** `tsc --showConfig`: the target's settings with `extends` applied. */
async function showConfig(project: string): Promise<{ references?: { path: string }[]; compilerOptions: Record<string, unknown> }> {
  return JSON.parse((await run(process.execPath, [TSC, '--showConfig', '-p', project], { cwd: ROOT })).stdout);
}

describe('who may import whom', () => {
  // A composite project reaches only its own files and its references (TS6307 above), so the
  // references are the import graph: the webview and the engine see shared/, never each other.
  const REFS: Record<string, string[]> = { shared: [], server: ['../shared'], webview: ['../shared'], client: ['../shared', '../server'] };
  for (const [target, refs] of Object.entries(REFS)) {
    it(`${target} references ${refs.join(', ') || 'nothing'}`, async () => {
      const c = await showConfig(target);
      assert.equal(c.compilerOptions.composite, true);
      assert.deepEqual((c.references ?? []).map((r) => r.path), refs);
    });
  }

  it('npm run typecheck builds every target', async () => {
    const c = await showConfig('.');
    assert.deepEqual((c.references ?? []).map((r) => r.path).sort(), ['client', 'server', 'shared', 'tsconfig.tools.json', 'webview']);
  });
});
