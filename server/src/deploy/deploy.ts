/**
 * `deploy(model, opts, events)`: connect to every host in parallel, check the OS, preflight
 * (every tool the files need, preflight.ts) and bootstrap, plan (new/changed/same with masked
 * diffs), then apply host by host — managed upstreams, backups, the primary — each in steps:
 * upload into a fresh root-only staging directory (remote-ops.ts: stagingPath), validate there,
 * back up, rename atomically, apply sysctl/firewall (reading the kernel state first), reload only
 * the affected services, verify. After the lbs: exactly one lb (the primary) holds each VIP and
 * every site answers through it. On any failure the hosts changed by this run are restored —
 * files from their backups, then the kernel state the applies changed — and reloaded, in reverse
 * order; hosts after the failing one are never touched; a host whose connection was lost is
 * reported lost at the step that was running.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Topology } from '../model/types.js';
import type { RenderedFile, ServiceName } from '../render/types.js';
import { bootstrapCommands, missing, type Requirement } from './bootstrap.js';
import { osMismatch } from './os-release.js';
import { planHost, type HostPlan } from './plan.js';
import { checkTools, labSealProblem } from './preflight.js';
import { readLabState } from '../lab/state.js';
import {
  applyCommand,
  backupCommand,
  backupPath,
  captureRuntimeCommand,
  factsCommand,
  parseFacts,
  parseIds,
  parseRuntime,
  prepareStagingCommand,
  reloadCommand,
  removeStagingCommand,
  restoreCommand,
  restoreRuntimeCommand,
  stagingDir,
  stagingPath,
  statusCommand,
  validateCommand,
  type HostFacts,
  type RuntimeSnapshot,
} from './remote-ops.js';
import { makeMasker, type Masker } from './secrets.js';
import { renderCommand, type Command } from './shell-quote.js';
import { SshSession, type AcceptHostKey, type ExecResult, type SshConnectOptions } from './ssh.js';
import { resolveTargets, type HostTarget } from './targets.js';
import { verifyCluster, type ClusterCheck, type HttpGet } from './verify-cluster.js';

/** What deploy needs from a host; SshSession provides it, unit tests fake it. */
export interface Remote {
  exec(cmd: Command, opts?: { stdin?: string | Buffer; timeoutMs?: number }): Promise<ExecResult>;
  /**
   * Create a new file exclusively (fails if anything, a symlink included, is at the path) and
   * set its owner and mode on the open file.
   */
  writeFile(path: string, data: string | Buffer, opts: { mode: number; uid: number; gid: number }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  close(): void;
  /** Hint: uploads will follow (lets the SSH remote open its SFTP channel in the background). */
  prepareUpload?(): void;
}

export type Connector = (
  t: HostTarget,
  acceptNew: boolean | AcceptHostKey | undefined,
  extra?: { passphrase?: SshConnectOptions['passphrase'] },
) => Promise<Remote>;

export type DeployStep =
  | 'connect'
  | 'facts'
  | 'os'
  | 'bootstrap'
  | 'preflight'
  | 'plan'
  | 'upload'
  | 'validate'
  | 'backup'
  | 'swap'
  | 'apply'
  | 'reload'
  | 'verify'
  | 'rollback'
  | 'vip'
  | 'sites';

export interface DeployEvent {
  /** Host name; absent for cluster-wide steps (vip, sites). */
  host?: string;
  step: DeployStep;
  status: 'start' | 'ok' | 'fail' | 'skip' | 'info';
  /** Human-readable, secrets masked. */
  message?: string;
  ms?: number;
}

export type DeployListener = (e: DeployEvent) => void;

export type HostStatus = 'planned' | 'unchanged' | 'applied' | 'failed' | 'rolled-back' | 'skipped';

export interface HostResult {
  host: string;
  role: 'lb' | 'upstream';
  lbRole?: 'primary' | 'backup';
  status: HostStatus;
  plan?: HostPlan;
  /** Paths uploaded (staged) in this run. */
  uploaded: string[];
  /** Services reloaded or started in this run (not counting a rollback's reloads). */
  reloaded: ServiceName[];
  /** Bootstrap commands run (or, with plan, that would run). */
  bootstrap: string[];
  failedStep?: DeployStep;
  error?: string;
  /** For a failed host: whether its own changes were undone (false when it was unreachable). */
  restored?: boolean;
  /** The connection to the host was lost during this run (it may hold new files; see the events). */
  lost?: boolean;
  ms: number;
}

export interface DeployResult {
  ok: boolean;
  planOnly: boolean;
  hosts: HostResult[];
  failure?: { host?: string; step: DeployStep; message: string };
  cluster?: ClusterCheck;
  ms: number;
}

export interface DeployOptions {
  /** The rendered files (every host's); the caller renders with resolved secrets. */
  files: RenderedFile[];
  /** Resolved secret values: masked out of every diff, event and message. */
  secretValues?: string[];
  /** The same files rendered with placeholder secrets: the plan diff's new side says `<env:NAME>`, not a value. */
  shownFiles?: RenderedFile[];
  /** Plan only: connect, read, diff — change nothing. */
  plan?: boolean;
  /** Install what a host's role lacks before deploying. */
  bootstrap?: boolean;
  /** Unknown host keys: refuse (default), accept and record, or ask. */
  acceptNew?: boolean | AcceptHostKey;
  /** Asked for the passphrase of a protected key file (the editor prompts); without it such keys are skipped and named. */
  passphrase?: SshConnectOptions['passphrase'];
  /** Default: resolveTargets(model) (ssh config, agent, lab state). */
  targets?: HostTarget[];
  /** Default: SSH. */
  connect?: Connector;
  /** Test hook: alter a file just before upload (e.g. corrupt haproxy.cfg). */
  transformFile?: (f: RenderedFile) => RenderedFile;
  /** Cluster checks after the lbs (default on). */
  verify?: { vip?: boolean; sites?: boolean; timeoutMs?: number; httpGet?: HttpGet };
  /** Bound on each remote command (default 30 s). */
  stepTimeoutMs?: number;
  /** Test hook: called after each host finished applying (before the next one starts). */
  afterHost?: (host: string) => void | Promise<void>;
}

class StepError extends Error {
  constructor(
    readonly step: DeployStep,
    message: string,
  ) {
    super(message);
  }
}

/** Connect to a target, through its ProxyJump hops if any. */
export const sshConnector: Connector = async (t, acceptNew, extra = {}) => {
  let via: SshSession | undefined;
  const opened: SshSession[] = [];
  try {
    for (const hop of t.jumps) {
      via = await SshSession.connect({ ...hop, agent: t.agent, knownHostsFiles: t.knownHostsFiles, acceptNew, via, passphrase: extra.passphrase });
      opened.push(via);
    }
    const s = await SshSession.connect({ ...t, knownHostsFiles: t.knownHostsFiles, acceptNew, via, passphrase: extra.passphrase });
    // open the command shell now; SFTP (another sshd session setup, ~100+ ms) only when the
    // plan says this host gets files
    await s.run(['true']);
    return {
      prepareUpload: () => void s.sftp().catch(() => undefined),
      // through the session's long-lived shell: one round trip per command
      exec: (c, o) => s.run(c, o),
      writeFile: (p, d, o) => s.writeFile(p, d, o),
      rename: (a, b) => s.rename(a, b),
      close: () => {
        s.close();
        for (const o of opened.reverse()) o.close();
      },
    };
  } catch (e) {
    for (const o of opened.reverse()) o.close();
    throw e;
  }
};

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An error that means the session is gone (not a command that failed). */
function isConnectionLoss(e: unknown): boolean {
  return /lost connection|closed|timed out|ECONNRESET|Keepalive|No response|Not connected/i.test(errMsg(e));
}

/** Order: managed upstreams, backups by ascending priority, then the primary. */
function applyOrder(model: Topology, targets: HostTarget[]): HostTarget[] {
  const prio = new Map(model.lbs.map((l) => [l.name, l.priority]));
  const rank = (t: HostTarget) => (t.role === 'upstream' ? 0 : t.lbRole === 'backup' ? 1 : 2);
  return [...targets].sort((a, b) => rank(a) - rank(b) || (prio.get(a.name) ?? 0) - (prio.get(b.name) ?? 0));
}

interface HostCtx {
  t: HostTarget;
  remote?: Remote;
  facts?: HostFacts;
  files: RenderedFile[];
  result: HostResult;
  /** What was swapped in this run, for rollback. */
  swapped: Array<{ path: string; existed: boolean }>;
  /** Staging directories of this run still on the host (removed after the swap or by rollback). */
  stageDirs: string[];
  /** Kernel state read before each apply, for rollback (in apply order). */
  runtime: RuntimeSnapshot[];
  /** The step running on this host: what a failure that is not a StepError is reported as. */
  step: DeployStep;
  reloadReached: boolean;
  lost: boolean;
}

export async function deploy(model: Topology, opts: DeployOptions, events: DeployListener = () => {}): Promise<DeployResult> {
  const t0 = Date.now();
  const mask: Masker = makeMasker(opts.secretValues ?? []);
  const emit = (e: DeployEvent) => events(e.message !== undefined ? { ...e, message: mask(e.message) } : e);
  const timeoutMs = opts.stepTimeoutMs ?? 30_000;
  const connector = opts.connect ?? sshConnector;
  const targets = applyOrder(model, opts.targets ?? resolveTargets(model));
  const planOnly = !!opts.plan;

  const ctxs: HostCtx[] = targets.map((t) => ({
    t,
    files: opts.files.filter((f) => f.host === t.name).map((f) => (opts.transformFile ? opts.transformFile(f) : f)),
    result: { host: t.name, role: t.role, lbRole: t.lbRole, status: 'skipped', uploaded: [], reloaded: [], bootstrap: [], ms: 0 },
    swapped: [],
    stageDirs: [],
    runtime: [],
    step: 'connect',
    reloadReached: false,
    lost: false,
  }));
  const result: DeployResult = { ok: false, planOnly, hosts: ctxs.map((c) => c.result), ms: 0 };
  const fail = (c: HostCtx | undefined, step: DeployStep, message: string) => {
    const m = mask(message);
    if (c) {
      c.result.status = 'failed';
      c.result.failedStep = step;
      c.result.error = m;
    }
    result.failure ??= { host: c?.t.name, step, message: m };
    emit({ host: c?.t.name, step, status: 'fail', message: m });
  };

  const run = async (c: HostCtx, step: DeployStep, cmd: Command, what: string): Promise<ExecResult> => {
    let r: ExecResult;
    try {
      r = await c.remote!.exec(cmd, { timeoutMs });
    } catch (e) {
      throw lostOr(c, step, what, e);
    }
    if (r.code !== 0) {
      const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-8).join('\n');
      throw new StepError(step, `${what} failed (exit ${r.code}): ${detail || renderCommand(cmd)}`);
    }
    return r;
  };

  /** The StepError for a failed remote call; marks the host lost when the session is gone. */
  function lostOr(c: HostCtx, step: DeployStep, what: string, e: unknown): StepError {
    if (e instanceof StepError) return e;
    if (isConnectionLoss(e)) {
      c.lost = true;
      c.result.lost = true;
    }
    return new StepError(step, `${what}: ${errMsg(e)}`);
  }

  try {
    // 1. connect to all hosts in parallel
    await Promise.all(
      ctxs.map(async (c) => {
        const s = Date.now();
        emit({ host: c.t.name, step: 'connect', status: 'start', message: `${c.t.user}@${c.t.host}:${c.t.port}${c.t.via === 'lab' ? ' (lab key)' : ''}` });
        try {
          c.remote = await connector(c.t, opts.acceptNew, { passphrase: opts.passphrase });
          emit({ host: c.t.name, step: 'connect', status: 'ok', ms: Date.now() - s });
        } catch (e) {
          fail(c, 'connect', errMsg(e));
        }
      }),
    );
    if (result.failure) return result;

    // 2. facts (one round trip per host): OS, binaries, init system, current files
    await Promise.all(
      ctxs.map(async (c) => {
        const s = Date.now();
        try {
          const paths = c.files.map((f) => f.path);
          const r = await run(c, 'facts', factsCommand(paths), 'reading the host');
          c.facts = parseFacts(r.stdout, paths);
          emit({ host: c.t.name, step: 'facts', status: 'ok', ms: Date.now() - s, message: `${c.facts.os.prettyName ?? c.facts.os.id}, ${c.facts.init}` });
        } catch (e) {
          fail(c, e instanceof StepError ? e.step : 'facts', errMsg(e));
        }
      }),
    );
    if (result.failure) return result;

    // 3. OS check: all hosts before anything changes
    for (const c of ctxs) {
      const m = osMismatch(c.t.name, c.t.os, c.facts!.os);
      if (m) fail(c, 'os', m);
    }
    if (result.failure) return result;

    // 4. preflight and bootstrap: what the role needs and every tool the files need (preflight.ts)
    const lab = ctxs.some((c) => c.t.via === 'lab') ? readLabState(model.name) : undefined;
    const toBootstrap: Array<{ c: HostCtx; cmds: Command[] }> = [];
    for (const c of ctxs) {
      if (c.t.via === 'lab') {
        const m = labSealProblem(c.t.name, c.files, lab?.hosts.find((h) => h.name === c.t.name)?.private);
        if (m) {
          if (planOnly) emit({ host: c.t.name, step: 'preflight', status: 'info', message: `deploy would stop: ${m}` });
          else fail(c, 'preflight', m);
          continue;
        }
      }
      const lacking = missing(c.t.role, c.facts!.binaries, c.t.os);
      const tools = checkTools(c.t.name, c.t.os, c.files, c.facts!.init, c.facts!.binaries);
      const installs: Requirement[] = [...lacking, ...tools.installable.filter((r) => !lacking.some((l) => l.binary === r.binary))];
      if (installs.length) c.result.bootstrap = bootstrapCommands(c.t.os, installs, c.facts!.init === 'systemd').map(renderCommand);
      const names = lacking.map((r) => r.pkg).join(', ');
      // a tool no package brings cannot be bootstrapped
      const stuck = tools.lacking.some((n) => !tools.installable.some((r) => r.binary === n.binary));
      if (!opts.bootstrap || stuck) {
        const say = planOnly ? (m: string) => emit({ host: c.t.name, step: 'preflight', status: 'info', message: `deploy would stop: ${m}` }) : undefined;
        if (lacking.length) {
          const m = `${c.t.name} lacks ${names} (needed as ${c.t.role === 'lb' ? 'a load balancer' : 'a managed upstream'}); run deploy with --bootstrap to install ${lacking.length > 1 ? 'them' : 'it'}`;
          if (say) emit({ host: c.t.name, step: 'bootstrap', status: 'info', message: `lacks ${names}: deploy needs --bootstrap` });
          else fail(c, 'bootstrap', m);
        } else if (tools.message) {
          if (say) say(tools.message);
          else fail(c, 'preflight', tools.message);
        }
      } else if (installs.length) {
        if (planOnly) emit({ host: c.t.name, step: 'bootstrap', status: 'info', message: `would run: ${c.result.bootstrap.join(' && ')}` });
        else toBootstrap.push({ c, cmds: bootstrapCommands(c.t.os, installs, c.facts!.init === 'systemd') });
      }
    }
    if (result.failure) return result;
    await Promise.all(
      toBootstrap.map(async ({ c, cmds }) => {
        const s = Date.now();
        emit({ host: c.t.name, step: 'bootstrap', status: 'start', message: c.result.bootstrap.join(' && ') });
        try {
          for (const cmd of cmds) await run(c, 'bootstrap', cmd, renderCommand(cmd));
          emit({ host: c.t.name, step: 'bootstrap', status: 'ok', ms: Date.now() - s });
        } catch (e) {
          fail(c, 'bootstrap', errMsg(e));
        }
      }),
    );
    if (result.failure) return result;

    // 5. plan
    for (const c of ctxs) {
      c.result.plan = planHost(c.t.name, c.files, c.facts!.files, mask, opts.shownFiles);
      const counts = { new: 0, changed: 0, same: 0 };
      for (const f of c.result.plan.files) counts[f.status]++;
      c.result.status = planOnly ? 'planned' : counts.new + counts.changed === 0 ? 'unchanged' : 'skipped';
      emit({ host: c.t.name, step: 'plan', status: 'info', message: `${counts.new} new, ${counts.changed} changed, ${counts.same} same${c.result.plan.reload.length ? `; reloads ${c.result.plan.reload.join(', ')}` : ''}` });
    }
    if (planOnly) {
      result.ok = true;
      return result;
    }
    for (const c of ctxs) if (c.result.status !== 'unchanged') c.remote!.prepareUpload?.();

    // 6. apply, rolling
    const applied: HostCtx[] = [];
    for (const c of ctxs) {
      if (c.result.status === 'unchanged') continue;
      const s = Date.now();
      try {
        await applyHost(c);
        c.result.status = 'applied';
        applied.push(c);
      } catch (e) {
        fail(c, e instanceof StepError ? e.step : c.step, errMsg(e));
        await rollbackHost(c);
        for (const a of [...applied].reverse()) await rollbackHost(a);
        return result;
      } finally {
        c.result.ms = Date.now() - s;
      }
      if (opts.afterHost) await opts.afterHost(c.t.name);
    }

    // 7. cluster checks after the lbs
    const v = opts.verify ?? {};
    if (v.vip !== false || v.sites !== false) {
      const lbRemotes = new Map(ctxs.filter((c) => c.t.role === 'lb').map((c) => [c.t.name, c.remote!]));
      result.cluster = await verifyCluster(model, lbRemotes, {
        vip: v.vip !== false,
        sites: v.sites !== false,
        timeoutMs: v.timeoutMs ?? 15_000,
        httpGet: v.httpGet,
        emit,
      });
      if (!result.cluster.ok) {
        const lost = ctxs.filter((c) => result.cluster!.lost?.includes(c.t.name));
        for (const c of lost) {
          c.lost = true;
          c.result.lost = true;
        }
        fail(lost[0], result.cluster.failedStep ?? 'vip', result.cluster.message ?? 'cluster check failed');
        for (const a of [...applied].reverse()) await rollbackHost(a);
        return result;
      }
    }
    result.ok = true;
    return result;
  } finally {
    for (const c of ctxs) {
      try {
        c.remote?.close();
      } catch {
        /* already closed */
      }
    }
    result.ms = Date.now() - t0;
    emit({ step: 'verify', status: result.ok ? 'ok' : 'fail', message: `deploy ${planOnly ? 'plan ' : ''}${result.ok ? 'done' : 'failed'} in ${result.ms} ms` });
  }

  async function timed<T>(c: HostCtx, step: DeployStep, fn: () => Promise<T>, message?: string): Promise<T> {
    const s = Date.now();
    c.step = step;
    emit({ host: c.t.name, step, status: 'start', message });
    const v = await fn();
    emit({ host: c.t.name, step, status: 'ok', ms: Date.now() - s });
    return v;
  }

  /** A remote call other than a command (SFTP): its failure is the step's, a lost session marks the host. */
  async function remoteCall<T>(c: HostCtx, step: DeployStep, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw lostOr(c, step, what, e);
    }
  }

  async function applyHost(c: HostCtx): Promise<void> {
    const plan = c.result.plan!;
    const byPath = new Map(c.files.map((f) => [f.path, f]));
    // a mode/owner-only change is staged too: a fresh copy renamed over the live file, so no
    // chown/chmod ever resolves a live path (which another user may have made a symlink)
    const changing = plan.files.filter((f) => f.status !== 'same');
    const content = changing.filter((f) => !f.reason); // new or changed content
    const existed = (p: string) => c.facts!.files.has(p) || c.facts!.links.has(p);
    const token = randomBytes(12).toString('hex');
    const staged = (p: string) => stagingPath(p, token);

    // upload: a fresh root-only staging directory next to each live file (see stagingPath)
    await timed(c, 'upload', async () => {
      const dirs = [...new Set(changing.map((f) => posix.dirname(f.path)))];
      const own = changing.map((f) => byPath.get(f.path)!);
      const r = await run(c, 'upload', prepareStagingCommand(dirs, token, [...new Set(own.map((f) => f.owner))], [...new Set(own.map((f) => f.group))]), 'creating staging directories');
      c.stageDirs = dirs.map((d) => stagingDir(d, token));
      const ids = parseIds(r.stdout);
      await Promise.all(
        changing.map(async (f) => {
          const file = byPath.get(f.path)!;
          const uid = ids.uid.get(file.owner);
          const gid = ids.gid.get(file.group);
          if (uid === undefined || gid === undefined) throw new StepError('upload', `no id for ${file.owner}:${file.group} on ${c.t.name}`);
          await remoteCall(c, 'upload', `uploading ${f.path}`, () => c.remote!.writeFile(staged(f.path), file.content, { mode: file.mode, uid, gid }));
          if (!f.reason) c.result.uploaded.push(f.path);
        }),
      );
    }, changing.map((f) => f.path).join(' '));

    // validate the staged copies where the validator takes a file; the rest after the swap
    const wholeConfig: Array<{ path: string; cmd: string }> = [];
    await timed(c, 'validate', async () => {
      await Promise.all(
        content.map(async (f) => {
          const file = byPath.get(f.path)!;
          // nginx vhosts come without a validator of their own: nginx -t checks the whole
          // configuration, which only includes them once they are in place
          const v = file.validate ?? (file.reload.includes('nginx') ? 'nginx -t -q' : undefined);
          if (!v) return;
          if (!v.includes('{}')) {
            wholeConfig.push({ path: f.path, cmd: v });
            return;
          }
          const cmd = validateCommand(v, staged(f.path));
          const what = `validating ${f.path} (${v.replace('{}', staged(f.path))})`;
          try {
            await run(c, 'validate', cmd, what);
          } catch (e) {
            // `haproxy -c -q` fails silently: ask again without -q for the reason to show
            const loud = (cmd as string[]).filter((a) => a !== '-q');
            if (c.lost || loud.length === (cmd as string[]).length) throw e;
            const r = await remoteCall(c, 'validate', what, () => c.remote!.exec(loud, { timeoutMs }));
            const why = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-8).join('\n');
            throw new StepError('validate', `${what} failed: ${why || errMsg(e)}`);
          }
        }),
      );
    });

    // back up what is about to be replaced
    const toBackup = changing.filter((f) => existed(f.path)).map((f) => f.path);
    if (toBackup.length) await timed(c, 'backup', () => run(c, 'backup', backupCommand(toBackup), 'backing up'), toBackup.map(backupPath).join(' '));

    // swap: atomic renames; rename(2) replaces whatever is at the live path without following it
    await timed(c, 'swap', async () => {
      for (const f of changing) {
        c.swapped.push({ path: f.path, existed: existed(f.path) });
        await remoteCall(c, 'swap', `replacing ${f.path}`, () => c.remote!.rename(staged(f.path), f.path));
      }
      await run(c, 'swap', removeStagingCommand(c.stageDirs), 'removing the staging directories');
      c.stageDirs = [];
    });

    // whole-configuration validators (e.g. `nginx -t`) see the swapped files; nothing has been
    // reloaded yet, so a failure here is undone before any daemon reads the bad file
    for (const w of [...new Map(wholeConfig.map((w) => [w.cmd, w])).values()]) {
      await timed(c, 'validate', () => run(c, 'validate', validateCommand(w.cmd, w.path), `validating with ${w.cmd}`));
    }

    const applies = content.filter((f) => f.apply);
    if (applies.length) {
      await timed(c, 'apply', async () => {
        for (const f of applies) {
          // the kernel state this apply changes, read first, so a rollback can put it back
          const file = byPath.get(f.path)!;
          const before = await run(c, 'apply', captureRuntimeCommand(f.apply!, f.path, file.content), `reading the state ${f.path} changes`);
          c.runtime.push(parseRuntime(f.apply!, f.path, before.stdout));
          await run(c, 'apply', applyCommand(f.apply!, f.path), `applying ${f.apply} (${f.path})`);
        }
      });
    }

    const services = plan.reload;
    c.reloadReached = services.length > 0;
    for (const svc of services) {
      await timed(c, 'reload', () => run(c, 'reload', reloadCommand(c.facts!.init, svc), `reloading ${svc}`), svc);
      c.result.reloaded.push(svc);
    }
    if (services.length) await timed(c, 'verify', () => verifyServices(c, services), services.join(' '));
  }

  async function verifyServices(c: HostCtx, services: ServiceName[]): Promise<void> {
    for (const svc of services) {
      // a restart may take a moment to write its pid file: a few bounded tries
      let last: ExecResult | undefined;
      for (let i = 0; i < 10; i++) {
        last = await remoteCall(c, 'verify', `checking ${svc}`, () => c.remote!.exec(statusCommand(c.facts!.init, svc), { timeoutMs }));
        if (last.code === 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      if (last!.code !== 0) throw new StepError('verify', `${svc} is not running after the reload: ${(last!.stdout + last!.stderr).trim()}`);
    }
  }

  async function rollbackHost(c: HostCtx): Promise<void> {
    if (!c.remote) return;
    if (c.lost) {
      c.result.restored = false;
      emit({
        host: c.t.name,
        step: 'rollback',
        status: 'fail',
        message: `${c.t.name} is unreachable: cannot restore it${c.swapped.length ? `; it may hold new files (${c.swapped.map((s) => s.path).join(', ')}) — deploy again when it is back` : ' (nothing had been replaced on it)'}`,
      });
      return;
    }
    const s = Date.now();
    emit({ host: c.t.name, step: 'rollback', status: 'start' });
    try {
      if (c.stageDirs.length) await c.remote.exec(removeStagingCommand(c.stageDirs), { timeoutMs });
      if (c.swapped.length) {
        const r = await c.remote.exec(restoreCommand([...c.swapped].reverse()), { timeoutMs });
        if (r.code !== 0) throw new Error(`restore failed: ${r.stderr.trim()}`);
      }
      // the kernel state the applies changed (nft tables, sysctl values, firewalld zone), newest first
      for (const snap of [...c.runtime].reverse()) {
        const r = await c.remote.exec(restoreRuntimeCommand(snap), { timeoutMs });
        if (r.code !== 0) throw new Error(`restoring the state before ${snap.path} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
      }
      // reload what this run reloaded (or was about to), so daemons run the restored files
      const svcs = c.reloadReached ? c.result.plan!.reload : [];
      for (const svc of svcs) {
        const r = await c.remote.exec(reloadCommand(c.facts!.init, svc), { timeoutMs });
        if (r.code !== 0) emit({ host: c.t.name, step: 'rollback', status: 'info', message: `reloading ${svc} after restore: ${r.stderr.trim() || `exit ${r.code}`}` });
      }
      if (c.result.status === 'applied') c.result.status = 'rolled-back';
      c.result.restored = true;
      const what = [...c.swapped.map((x) => x.path), ...c.runtime.map((x) => `the state before ${x.path}`)];
      emit({ host: c.t.name, step: 'rollback', status: 'ok', ms: Date.now() - s, message: what.length ? `restored ${what.join(', ')}` : 'nothing had been replaced' });
    } catch (e) {
      c.result.restored = false;
      if (isConnectionLoss(e)) c.result.lost = true;
      emit({ host: c.t.name, step: 'rollback', status: 'fail', message: isConnectionLoss(e) ? `${c.t.name} became unreachable during the rollback: ${errMsg(e)}` : errMsg(e) });
    }
  }
}
