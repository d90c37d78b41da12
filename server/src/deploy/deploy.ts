/**
 * `deploy(model, opts, events)`: a rolling deploy, in named phases — connect to every host in
 * parallel, read their facts, check the OS, preflight (every tool the files need, preflight.ts),
 * bootstrap, plan (new/changed/same with masked diffs), then apply host by host — managed
 * upstreams, backups, the primary — and check the cluster: exactly one lb (the primary) holds
 * each VIP and every site answers through it. Each host's part (upload, validate, back up, swap,
 * apply, reload, verify, and its rollback) is a HostDeployment (host-deployment.ts). On any
 * failure the hosts changed by this run are restored in reverse order; hosts after the failing
 * one are never touched; a host whose connection was lost is reported lost at the step that was
 * running.
 */
import type { Topology } from '../../../shared/model/types.js';
import type { RenderedFile } from '../render/types.js';
import { bootstrapCommands, missing, type Requirement } from './bootstrap.js';
import { errMsg, HostDeployment, StepError } from './host-deployment.js';
import { osMismatch } from './os-release.js';
import { planHost } from './plan.js';
import { checkTools, labSealProblem } from './preflight.js';
import { readLabState, type LabState } from '../lab/state.js';
import { sshConnector, type Connector } from './remote.js';
import { makeMasker, type Masker } from './secrets.js';
import { renderCommand, type Command } from './shell-quote.js';
import type { AcceptHostKey, SshConnectOptions } from './ssh.js';
import { hostTargets } from './access.js';
import { rollingOrder, type HostTarget } from './targets.js';
import type { DeployEvent, DeployListener, DeployStep, HostResult } from './types.js';
import { verifyCluster, type ClusterCheck, type HttpGet } from '../verify/cluster.js';

export { sshConnector, type Connector, type Remote } from './remote.js';
export type { DeployEvent, DeployListener, DeployStep, HostResult, HostStatus } from './types.js';

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
  /** Default: hostTargets(model) (~/.ssh/config, agent, lab state: the CLI's defaults). */
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

/** Order: managed upstreams, backups by ascending priority, then the primary. */

export async function deploy(model: Topology, opts: DeployOptions, events: DeployListener = () => {}): Promise<DeployResult> {
  return new DeployRun(model, opts, events).run();
}

/** One deploy: the hosts, the result, and a method per phase. */
class DeployRun {
  private readonly t0 = Date.now();
  private readonly mask: Masker;
  private readonly planOnly: boolean;
  private readonly hosts: HostDeployment[];
  readonly result: DeployResult;

  constructor(
    private readonly model: Topology,
    private readonly opts: DeployOptions,
    private readonly events: DeployListener,
  ) {
    this.mask = makeMasker(opts.secretValues ?? []);
    this.planOnly = !!opts.plan;
    const timeoutMs = opts.stepTimeoutMs ?? 30_000;
    const filesOf = (t: HostTarget) =>
      opts.files.filter((f) => f.host === t.name).map((f) => (opts.transformFile ? opts.transformFile(f) : f));
    const emit = (e: DeployEvent) => this.emit(e);
    this.hosts = rollingOrder(opts.targets ?? hostTargets(model), model).map((t) => new HostDeployment(t, filesOf(t), emit, timeoutMs));
    this.result = { ok: false, planOnly: this.planOnly, hosts: this.hosts.map((h) => h.result), ms: 0 };
  }

  async run(): Promise<DeployResult> {
    try {
      await this.phases();
      return this.result;
    } finally {
      for (const h of this.hosts) h.close();
      const r = this.result;
      r.ms = Date.now() - this.t0;
      this.emit({
        step: 'verify',
        status: r.ok ? 'ok' : 'fail',
        message: `deploy ${this.planOnly ? 'plan ' : ''}${r.ok ? 'done' : 'failed'} in ${r.ms} ms`,
      });
    }
  }

  /** Every phase in order; the first that fails ends the run (result.failure says where). */
  private async phases(): Promise<void> {
    const failed = () => this.result.failure !== undefined;
    await this.connect();
    if (failed()) return;
    await this.readFacts();
    if (failed()) return;
    this.checkOs();
    if (failed()) return;
    const toBootstrap = this.preflight();
    if (failed()) return;
    await this.bootstrap(toBootstrap);
    if (failed()) return;
    this.plan();
    if (this.planOnly) {
      this.result.ok = true;
      return;
    }
    const applied = await this.applyRolling();
    if (!applied || !(await this.checkCluster(applied))) return;
    this.result.ok = true;
  }

  private emit(e: DeployEvent): void {
    this.events(e.message !== undefined ? { ...e, message: this.mask(e.message) } : e);
  }

  private fail(h: HostDeployment | undefined, step: DeployStep, message: string): void {
    const m = this.mask(message);
    h?.markFailed(step, m);
    this.result.failure ??= { host: h?.name, step, message: m };
    this.emit({ host: h?.name, step, status: 'fail', message: m });
  }

  /** 1. Connect to all hosts in parallel. */
  private async connect(): Promise<void> {
    await Promise.all(
      this.hosts.map((h) =>
        h
          .connect(this.opts.connect ?? sshConnector, this.opts.acceptNew, this.opts.passphrase)
          .catch((e) => this.fail(h, 'connect', errMsg(e))),
      ),
    );
  }

  /** 2. Facts, one round trip per host: OS, binaries, init system, current files. */
  private async readFacts(): Promise<void> {
    await Promise.all(
      this.hosts.map((h) => h.readFacts().catch((e) => this.fail(h, e instanceof StepError ? e.step : 'facts', errMsg(e)))),
    );
  }

  /** 3. The OS each target declares, on all hosts before anything changes. */
  private checkOs(): void {
    for (const h of this.hosts) {
      const m = osMismatch(h.name, h.t.os, h.facts!.os);
      if (m) this.fail(h, 'os', m);
    }
  }

  /** 4. Preflight: what each role needs and every tool the files need; returns the bootstraps to run. */
  private preflight(): Array<{ h: HostDeployment; cmds: Command[] }> {
    const lab = this.hosts.some((h) => h.t.via === 'lab') ? readLabState(this.model.name) : undefined;
    const toBootstrap: Array<{ h: HostDeployment; cmds: Command[] }> = [];
    for (const h of this.hosts) {
      const cmds = this.preflightHost(h, lab);
      if (cmds) toBootstrap.push({ h, cmds });
    }
    return toBootstrap;
  }

  private preflightHost(h: HostDeployment, lab: LabState | undefined): Command[] | undefined {
    const t = h.t;
    const facts = h.facts!;
    const wouldStop = (m: string) => this.emit({ host: t.name, step: 'preflight', status: 'info', message: `deploy would stop: ${m}` });
    if (t.via === 'lab') {
      const m = labSealProblem(t.name, h.files, lab?.hosts.find((x) => x.name === t.name)?.private);
      if (m) {
        if (this.planOnly) wouldStop(m);
        else this.fail(h, 'preflight', m);
        return undefined;
      }
    }
    const lacking = missing(t.role, facts.binaries, t.os);
    const tools = checkTools(t.name, t.os, h.files, facts.init, facts.binaries);
    const installs: Requirement[] = [...lacking, ...tools.installable.filter((r) => !lacking.some((l) => l.binary === r.binary))];
    const commands = () => bootstrapCommands(t.os, installs, facts.init === 'systemd');
    if (installs.length) {
      h.result.bootstrap = commands().map(renderCommand);
      h.result.installs = { packages: installs.map((r) => r.pkg), enable: installs.flatMap((r) => (r.service ? [r.service] : [])) };
    }
    // a tool no package brings cannot be bootstrapped
    const stuck = tools.lacking.some((n) => !tools.installable.some((r) => r.binary === n.binary));
    if (!this.opts.bootstrap || stuck) {
      if (lacking.length) {
        const names = lacking.map((r) => r.pkg).join(', ');
        const role = t.role === 'lb' ? 'a load balancer' : 'a managed upstream';
        const them = lacking.length > 1 ? 'them' : 'it';
        const m = `${t.name} lacks ${names} (needed as ${role}); run deploy with --bootstrap to install ${them}`;
        if (this.planOnly)
          this.emit({ host: t.name, step: 'bootstrap', status: 'info', message: `lacks ${names}: deploy needs --bootstrap` });
        else this.fail(h, 'bootstrap', m);
      } else if (tools.message) {
        if (this.planOnly) wouldStop(tools.message);
        else this.fail(h, 'preflight', tools.message);
      }
      return undefined;
    }
    if (!installs.length) return undefined;
    if (!this.planOnly) return commands();
    this.emit({ host: t.name, step: 'bootstrap', status: 'info', message: `would run: ${h.result.bootstrap.join(' && ')}` });
    return undefined;
  }

  /** 5. Bootstrap, in parallel: install what preflight found missing (with --bootstrap). */
  private async bootstrap(toBootstrap: Array<{ h: HostDeployment; cmds: Command[] }>): Promise<void> {
    await Promise.all(toBootstrap.map(({ h, cmds }) => h.bootstrap(cmds).catch((e) => this.fail(h, 'bootstrap', errMsg(e)))));
  }

  /** 6. Plan: rendered vs remote, per host; hosts with changes open their upload channel early. */
  private plan(): void {
    for (const h of this.hosts) {
      const plan = planHost(h.name, h.files, h.facts!.files, this.mask, this.opts.shownFiles);
      h.result.plan = plan;
      const counts = { new: 0, changed: 0, same: 0 };
      for (const f of plan.files) counts[f.status]++;
      h.result.status = this.planOnly ? 'planned' : counts.new + counts.changed === 0 ? 'unchanged' : 'skipped';
      const reloads = plan.reload.length ? `; reloads ${plan.reload.join(', ')}` : '';
      this.emit({
        host: h.name,
        step: 'plan',
        status: 'info',
        message: `${counts.new} new, ${counts.changed} changed, ${counts.same} same${reloads}`,
      });
    }
    if (this.planOnly) return;
    for (const h of this.hosts) if (h.result.status !== 'unchanged') h.remote!.prepareUpload?.();
  }

  /**
   * 7. Apply, rolling: one host at a time, in apply order. A failure rolls back that host and
   * then every host applied before it (newest first); returns the applied hosts, or undefined.
   */
  private async applyRolling(): Promise<HostDeployment[] | undefined> {
    const applied: HostDeployment[] = [];
    for (const h of this.hosts) {
      if (h.result.status === 'unchanged') continue;
      const s = Date.now();
      try {
        await h.apply();
        h.result.status = 'applied';
        applied.push(h);
      } catch (e) {
        this.fail(h, h.failedStep(e), errMsg(e));
        await h.rollback();
        await this.rollback(applied);
        return undefined;
      } finally {
        h.result.ms = Date.now() - s;
      }
      if (this.opts.afterHost) await this.opts.afterHost(h.name);
    }
    return applied;
  }

  /**
   * 8. Cluster check after the lbs: the VIPs and the sites. An lb lost during the check is its
   * failure; the applied hosts are rolled back. Returns whether the cluster is good.
   */
  private async checkCluster(applied: HostDeployment[]): Promise<boolean> {
    const v = this.opts.verify ?? {};
    if (v.vip === false && v.sites === false) return true;
    const lbRemotes = new Map(this.hosts.filter((h) => h.t.role === 'lb').map((h) => [h.name, h.remote!]));
    const cluster = await verifyCluster(this.model, lbRemotes, {
      vip: v.vip !== false,
      sites: v.sites !== false,
      timeoutMs: v.timeoutMs ?? 15_000,
      httpGet: v.httpGet,
      emit: (e) => this.emit(e),
    });
    this.result.cluster = cluster;
    if (cluster.ok) return true;
    const lost = this.hosts.filter((h) => cluster.lost?.includes(h.name));
    for (const h of lost) h.markLost();
    this.fail(lost[0], cluster.failedStep ?? 'vip', cluster.message ?? 'cluster check failed');
    await this.rollback(applied);
    return false;
  }

  /** 9. Rollback of the applied hosts, newest first. */
  private async rollback(applied: HostDeployment[]): Promise<void> {
    for (const h of [...applied].reverse()) await h.rollback();
  }
}
