/**
 * `halab import --from HOST… --lab T` against live hosts (root): examples/lab.halab, moved to its
 * own topology name, bridge and subnet (198.18.44.0/24, bridge halabilv0: node --test runs the e2e
 * files in parallel, and the other labs use 198.18.0/1/5/7/9/60/61), is brought up and deployed by
 * the lab fixture; then the CLI, run as a user would, reads every lb and managed upstream over SSH
 * with the lab's key and known_hosts. It must
 * - exit 0 with a JSON report holding no `error` entry, and secrets named by `env` and `what` only:
 *   the deployed secret values appear in no output and not in the written file;
 * - give back the deployed topology: the imported file, rendered with the secrets the report names
 *   (set to the values deployed), gives byte-identical haproxy.cfg and keepalived.conf on every lb
 *   and nginx vhosts on every upstream, compared with the render of the original file — which is
 *   also what the hosts run;
 * - be read only: the lbs' haproxy.cfg and keepalived.conf (content hash, size, inode, mtime and
 *   ctime to the nanosecond) and the daemons' pids are the same after the import as before.
 * Host names come from each host's `hostname -s`, checked here over SSH first.
 *
 * Network: only the lab's hosts (198.18.44.0/24), which the lab creates.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, hasErrors } from '../../server/src/engine.js';
import { render } from '../../server/src/render/render.js';
import { envSecrets } from '../../server/src/secrets.js';
import { labExec, labSshArgs, type LabState } from '../../server/src/lab/index.js';
import { useLabFixture } from '../helpers/lab-fixture.js';
import { labVariant } from '../helpers/lab-variant.js';

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'server/src/cli/halab.ts');
const TOPOLOGY = 'implive';
const BRIDGE = 'halabilv0';
const NET = '198.18.44';
const ENV = { HALAB_VRRP_AUTH: 'impVrrp7', HALAB_STATS_PASSWORD: 'imp-Stats-pw3' };
const secrets = envSecrets(ENV);
/**
 * The variant's file name. The deploy's headers name it; both files are rendered with it as their
 * source, so the header lines match.
 */
const SOURCE = `${TOPOLOGY}.halab`;
const LB_FILES = ['/etc/haproxy/haproxy.cfg', '/etc/keepalived/keepalived.conf'];

/** examples/lab.halab on this test's topology name, subnet and bridge, in a file of its own. */
function variantFile(dir: string): string {
  const file = join(dir, SOURCE);
  writeFileSync(file, labVariant({ topology: TOPOLOGY, net: NET, bridge: BRIDGE }));
  return file;
}

/** A command in a lab host over SSH, as a user would run it (bounded: 20 s). */
function ssh(state: LabState, host: string, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile('ssh', [...labSshArgs(state, host), command], { timeout: 20_000, encoding: 'utf8' }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })));
}

/** `node --import tsx server/src/cli/halab.ts ARGS` (bounded: 90 s); the lab state dir is inherited. */
function cli(args: string[]): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** What a write, a replace or a reload would change: per lb, its two files and its daemons' pids. */
async function liveFingerprint(state: LabState, lbs: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const lb of lbs) {
    const r = await ssh(state, lb, `stat -c '%n %s %i %.9Y %.9Z' ${LB_FILES.join(' ')} && sha256sum ${LB_FILES.join(' ')} && ` +
      'echo "haproxy $(pidof haproxy)" && echo "keepalived $(pidof keepalived)"');
    assert.equal(r.code, 0, `${lb}: ${r.stderr}`);
    assert.match(r.stdout, /haproxy \d/, `haproxy runs on ${lb}`);
    assert.match(r.stdout, /keepalived \d/, `keepalived runs on ${lb}`);
    out[lb] = r.stdout;
  }
  return out;
}

/** Host → path → content, of the files `pick` keeps. */
function filesOf(text: string, env: Record<string, string>, pick: (path: string) => boolean): Map<string, string> {
  const a = analyze(text, SOURCE);
  assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics.filter((d) => d.severity === 'error')));
  const out = new Map<string, string>();
  for (const f of render(a.model, { source: SOURCE, secrets: envSecrets(env) }).files) {
    if (pick(f.path)) out.set(`${f.host}:${f.path}`, f.content);
  }
  return out;
}

const compared = (path: string) => LB_FILES.includes(path) || path.startsWith('/etc/nginx/');

interface JsonReport {
  file?: string;
  report: { host: string; file: string; line: number; text: string; went: string; detail: string }[];
  guesses: string[];
  differences: string[];
  secrets: Record<string, unknown>[];
  errors: unknown[];
}

describe('halab import --from live lab hosts', { skip: !isRoot && 'needs root (network namespaces)', timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'halab-import-live-'));
  const FILE = variantFile(dir);
  const lab = useLabFixture(FILE, secrets, { netns: new RegExp(`halab-${TOPOLOGY}-`), link: new RegExp(BRIDGE) });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const names = ['lb1', 'lb2', 'web1', 'web2'];
  const hostsOf = () => [...lab.model.lbs, ...lab.model.upstreams.filter((u) => u.managed !== false)];
  const lbsOf = () => lab.model.lbs.map((l) => l.name);
  const out = join(dir, 'live.halab');
  let original: Map<string, string> | undefined;
  let run: Awaited<ReturnType<typeof cli>> | undefined;
  let json: JsonReport | undefined;

  it('every lab host answers `hostname -s` with its name, and runs the render of the original file', async () => {
    const hosts = hostsOf();
    assert.deepEqual(hosts.map((h) => h.name), names);
    for (const h of hosts) assert.ok(h.address.startsWith(`${NET}.`), `${h.name} is on the lab's subnet`);
    // the import names the hosts by it
    for (const h of hosts) {
      const r = await ssh(lab.state, h.name, 'hostname -s');
      assert.equal(r.code, 0, `${h.name}: ${r.stderr}`);
      assert.equal(r.stdout.trim(), h.name, `hostname -s on ${h.address}`);
    }
    // the deploy wrote the original's render: comparing renders below is comparing with the hosts
    const files = filesOf(readFileSync(FILE, 'utf8'), ENV, compared);
    assert.ok([...files.keys()].filter((k) => k.includes('/etc/nginx/')).length >= 2, 'nginx vhosts are rendered');
    for (const [key, content] of files) {
      const [host, path] = key.split(':') as [string, string];
      const r = await labExec(lab.state, host, ['cat', path]);
      assert.equal(r.code, 0, `${key}: ${r.stderr}`);
      assert.equal(r.stdout, content, `${key} on the host is the original's render`);
    }
    original = files;
  });

  it('`import --from` every lb and upstream --lab T: read only (files, inodes, times, daemons unchanged)', async () => {
    const lbs = lbsOf();
    const before = await liveFingerprint(lab.state, lbs);
    run = await cli(['import', '--from', ...hostsOf().map((h) => `root@${h.address}`), '--lab', TOPOLOGY, '-o', out, '--format', 'json']);
    const later = await liveFingerprint(lab.state, lbs);
    assert.deepEqual(later, before, 'the import changed nothing on the lbs');
    assert.equal(run.signal, null, `the import did not finish in 90 s: ${run.stderr}`);
    try {
      json = JSON.parse(run.stdout) as JsonReport;
    } catch {
      assert.fail(`exit ${run.code}, no JSON report; stderr: ${run.stderr}; stdout: ${run.stdout.slice(0, 2000)}`);
    }
  });

  it('secrets are named by env and what only: no deployed value in stdout, stderr or the file', () => {
    assert.ok(run && json, 'the import ran');
    assert.ok(json.secrets.length >= 2, `the VRRP and stats passwords are named: ${JSON.stringify(json.secrets)}`);
    for (const s of json.secrets) {
      assert.deepEqual(Object.keys(s).sort(), ['env', 'what'], JSON.stringify(s));
      assert.equal(typeof s.env, 'string');
      assert.equal(typeof s.what, 'string');
    }
    const file = run.code === 0 ? readFileSync(out, 'utf8') : '';
    const leaks: string[] = [];
    for (const [env, value] of Object.entries(ENV)) {
      const where: string[] = json.report.filter((e) => JSON.stringify(e).includes(value)).map((e) => `${e.host}:${e.file}:${e.line} (${e.went})`);
      if (run.stdout.includes(value)) leaks.push(`the value of ${env} is in stdout${where.length ? `: the report's text of ${where.join(', ')}` : ''}`);
      if (run.stderr.includes(value)) leaks.push(`the value of ${env} is in stderr`);
      if (file.includes(value)) leaks.push(`the value of ${env} is in the written file`);
    }
    assert.ok(leaks.length === 0, leaks.join('\n'));
  });

  it('exits 0 with no error line, naming the hosts by their hostnames', () => {
    assert.ok(run && json, 'the import ran');
    const errors = json.report.filter((e) => e.went === 'error');
    const said = (e: { host?: string; file?: string; line?: number; text?: string; detail?: string; message?: string }) =>
      `${e.host}:${e.file}:${e.line}: ${e.text} — ${e.detail ?? e.message}`;
    assert.ok(errors.length === 0 && json.errors.length === 0, `the import kept every line, but:\n${
      [...new Set([...(json.errors as Parameters<typeof said>[0][]), ...errors].map(said))].join('\n')}`);
    assert.equal(run.code, 0, `exit ${run.code}; stderr: ${run.stderr}`);
    assert.equal(json.file, out);
    assert.ok(json.report.length > 0, 'the report accounts for the input lines');
    for (const e of json.report) assert.ok(names.includes(e.host), `report host ${e.host} is a lab host's name`);
    for (const lb of lbsOf()) assert.ok(json.report.some((e) => e.host === lb), `${lb}'s lines are in the report`);
  });

  it('the imported file renders byte-identical haproxy.cfg, keepalived.conf and nginx vhosts', () => {
    assert.ok(original && run?.code === 0 && json, 'the import wrote its file');
    // the values deployed, under the env names the report gives
    const importedEnv: Record<string, string> = {};
    for (const s of json.secrets as { env: string; what: string }[]) {
      if (/VRRP/i.test(s.what)) importedEnv[s.env] = ENV.HALAB_VRRP_AUTH;
      else if (/stats/i.test(s.what)) importedEnv[s.env] = ENV.HALAB_STATS_PASSWORD;
      else assert.fail(`unexpected secret ${s.env}: ${s.what}`);
    }
    const imported = filesOf(readFileSync(out, 'utf8'), importedEnv, compared);
    assert.deepEqual([...imported.keys()].sort(), [...original.keys()].sort(), 'the same hosts and files');
    for (const [key, content] of original) assert.equal(imported.get(key), content, `${key} is byte-identical`);
  });
});
