/**
 * One host's part of a deploy: its connection, facts and bootstrap, and the change itself —
 * upload into a fresh root-only staging directory (remote-ops.ts: stagingPath), validate there,
 * back up, rename atomically, apply sysctl/firewall (reading the kernel state first), reload only
 * the affected services, verify — and the rollback of exactly what this run changed on it: the
 * staging directories, the swapped files (from their backups), the kernel state, then a reload.
 * A failure is a StepError naming the step that was running; a session that is gone marks the
 * host lost, and a lost host is never "restored". deploy.ts orders the hosts and the phases.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { RenderedFile, ServiceName } from '../render/types.js';
import { passThroughBlame } from '../render/explain.js';
import type { FilePlan } from './plan.js';
import {
  applyCommand,
  backupCommand,
  backupPath,
  captureRuntimeCommand,
  factsCommand,
  journalCommand,
  JOURNAL_LINES,
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
import type { Connector, Remote } from './remote.js';
import { renderCommand, type Command } from './shell-quote.js';
import type { AcceptHostKey, ExecResult, SshConnectOptions } from './ssh.js';
import type { HostTarget } from './targets.js';
import type { DeployEvent, DeployStep, HostResult } from './types.js';

/** A failure at a known step of a host's deploy. */
/** The bound on each bootstrap command (apt-get update, apt-get install …): packages take minutes. */
export const BOOTSTRAP_TIMEOUT_MS = 15 * 60_000;

export class StepError extends Error {
  constructor(
    readonly step: DeployStep,
    message: string,
  ) {
    super(message);
  }
}

export function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An error that means the session is gone (not a command that failed). */
export function isConnectionLoss(e: unknown): boolean {
  return /lost connection|closed|timed out|ECONNRESET|Keepalive|No response|Not connected/i.test(errMsg(e));
}

/** The last lines of what a failed command said. */
const lastLines = (r: ExecResult): string => (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-8).join('\n');

/** What one apply changes, worked out from the plan before anything is touched. */
interface Change {
  byPath: Map<string, RenderedFile>;
  /**
   * Every file not the same. A mode/owner-only change is staged too: a fresh copy renamed over
   * the live file, so no chown/chmod ever resolves a live path (which another user may have made
   * a symlink).
   */
  changing: FilePlan[];
  /** New or changed content. */
  content: FilePlan[];
  /** Names this run's staging directories. */
  token: string;
}

export class HostDeployment {
  readonly result: HostResult;
  remote?: Remote;
  facts?: HostFacts;
  /** What was swapped in this run, for rollback. */
  private swapped: Array<{ path: string; existed: boolean }> = [];
  /** Staging directories of this run still on the host (removed after the swap or by rollback). */
  private stageDirs: string[] = [];
  /** Kernel state read before each apply, for rollback (in apply order). */
  private runtime: RuntimeSnapshot[] = [];
  /** The step running on this host: what a failure that is not a StepError is reported as. */
  private step: DeployStep = 'connect';
  private reloadReached = false;
  private lost = false;

  constructor(
    readonly t: HostTarget,
    /** This host's rendered files. */
    readonly files: RenderedFile[],
    private readonly emit: (e: DeployEvent) => void,
    private readonly timeoutMs: number,
  ) {
    this.result = { host: t.name, role: t.role, lbRole: t.lbRole, status: 'skipped', uploaded: [], reloaded: [], bootstrap: [], ms: 0 };
  }

  get name(): string {
    return this.t.name;
  }

  /** The step a failure is reported at: a StepError's own, else the step that was running. */
  failedStep(e: unknown): DeployStep {
    return e instanceof StepError ? e.step : this.step;
  }

  /** Records the failure on the host's result (the message already masked). */
  markFailed(step: DeployStep, message: string): void {
    this.result.status = 'failed';
    this.result.failedStep = step;
    this.result.error = message;
  }

  markLost(): void {
    this.lost = true;
    this.result.lost = true;
  }

  async connect(
    connector: Connector,
    acceptNew: boolean | AcceptHostKey | undefined,
    passphrase?: SshConnectOptions['passphrase'],
  ): Promise<void> {
    const s = Date.now();
    const t = this.t;
    this.emit({
      host: t.name,
      step: 'connect',
      status: 'start',
      message: `${t.user}@${t.host}:${t.port}${t.via === 'lab' ? ' (lab key)' : ''}`,
    });
    this.remote = await connector(t, acceptNew, { passphrase });
    this.emit({ host: t.name, step: 'connect', status: 'ok', ms: Date.now() - s });
  }

  /** One round trip: OS, binaries, init system, the current files. */
  async readFacts(): Promise<HostFacts> {
    const s = Date.now();
    const paths = this.files.map((f) => f.path);
    const r = await this.run('facts', factsCommand(paths), 'reading the host');
    this.facts = parseFacts(r.stdout, paths);
    this.emit({
      host: this.name,
      step: 'facts',
      status: 'ok',
      ms: Date.now() - s,
      message: `${this.facts.os.prettyName ?? this.facts.os.id}, ${this.facts.init}`,
    });
    return this.facts;
  }

  async bootstrap(cmds: Command[]): Promise<void> {
    const s = Date.now();
    this.emit({ host: this.name, step: 'bootstrap', status: 'start', message: this.result.bootstrap.join(' && ') });
    // installing packages takes minutes, not a step's seconds: its own bound (a slow mirror, firewalld's python)
    for (const cmd of cmds) await this.run('bootstrap', cmd, renderCommand(cmd), Math.max(this.timeoutMs, BOOTSTRAP_TIMEOUT_MS));
    this.emit({ host: this.name, step: 'bootstrap', status: 'ok', ms: Date.now() - s });
  }

  /** Applies the plan (result.plan): every step, in order; throws at the first failure. */
  async apply(): Promise<void> {
    const ch = this.change();
    await this.upload(ch);
    const wholeConfig = await this.validateStaged(ch);
    await this.backup(ch);
    await this.swap(ch);
    await this.validateWhole(wholeConfig);
    await this.applyKernelState(ch);
    await this.reload();
  }

  close(): void {
    try {
      this.remote?.close();
    } catch {
      /* already closed */
    }
  }

  // ---- the steps of apply ----------------------------------------------------------------

  private change(): Change {
    const changing = this.result.plan!.files.filter((f) => f.status !== 'same');
    return {
      byPath: new Map(this.files.map((f) => [f.path, f])),
      changing,
      content: changing.filter((f) => !f.reason),
      token: randomBytes(12).toString('hex'),
    };
  }

  private existed(p: string): boolean {
    return this.facts!.files.has(p) || this.facts!.links.has(p);
  }

  /** A fresh root-only staging directory next to each live file (see stagingPath), then the copies. */
  private async upload(ch: Change): Promise<void> {
    await this.timed(
      'upload',
      async () => {
        const dirs = [...new Set(ch.changing.map((f) => posix.dirname(f.path)))];
        const own = ch.changing.map((f) => ch.byPath.get(f.path)!);
        const prepare = prepareStagingCommand(dirs, ch.token, [...new Set(own.map((f) => f.owner))], [...new Set(own.map((f) => f.group))]);
        const r = await this.run('upload', prepare, 'creating staging directories');
        this.stageDirs = dirs.map((d) => stagingDir(d, ch.token));
        const ids = parseIds(r.stdout);
        await Promise.all(
          ch.changing.map(async (f) => {
            const file = ch.byPath.get(f.path)!;
            const uid = ids.uid.get(file.owner);
            const gid = ids.gid.get(file.group);
            if (uid === undefined || gid === undefined)
              throw new StepError('upload', `no id for ${file.owner}:${file.group} on ${this.name}`);
            const to = stagingPath(f.path, ch.token);
            await this.remoteCall('upload', `uploading ${f.path}`, () =>
              this.remote!.writeFile(to, file.content, { mode: file.mode, uid, gid }),
            );
            if (!f.reason) this.result.uploaded.push(f.path);
          }),
        );
      },
      ch.changing.map((f) => f.path).join(' '),
    );
  }

  /**
   * Validates the staged copies where the validator takes a file; returns the whole-configuration
   * validators (no `{}`), which run after the swap.
   */
  private async validateStaged(ch: Change): Promise<Array<{ path: string; cmd: string }>> {
    const wholeConfig: Array<{ path: string; cmd: string }> = [];
    await this.timed('validate', async () => {
      await Promise.all(
        ch.content.map(async (f) => {
          const file = ch.byPath.get(f.path)!;
          // nginx vhosts come without a validator of their own: nginx -t checks the whole
          // configuration, which only includes them once they are in place
          const v = file.validate ?? (file.reload.includes('nginx') ? 'nginx -t -q' : undefined);
          if (!v) return;
          if (!v.includes('{}')) wholeConfig.push({ path: f.path, cmd: v });
          else await this.validateFile(v, stagingPath(f.path, ch.token), f.path, file.content);
        }),
      );
    });
    return wholeConfig;
  }

  /**
   * Validates one staged file. When the validator names a pass-through line (a directive written
   * in the .halab file), the message says which statement it came from: that is where to fix it.
   */
  private async validateFile(v: string, staged: string, live: string, content: string): Promise<void> {
    try {
      await this.validateStagedFile(v, staged, live);
    } catch (e) {
      const blame = e instanceof StepError ? passThroughBlame(content, e.message) : [];
      if (!blame.length) throw e;
      throw new StepError('validate', `${(e as Error).message}\nin ${blame.join('; ')}: check it against the daemon's manual`);
    }
  }

  private async validateStagedFile(v: string, staged: string, live: string): Promise<void> {
    const cmd = validateCommand(v, staged);
    const what = `validating ${live} (${v.replace('{}', staged)})`;
    try {
      await this.run('validate', cmd, what);
    } catch (e) {
      // `haproxy -c -q` fails silently: ask again without -q for the reason to show
      const loud = (cmd as string[]).filter((a) => a !== '-q');
      if (this.lost || loud.length === (cmd as string[]).length) throw e;
      const r = await this.remoteCall('validate', what, () => this.remote!.exec(loud, { timeoutMs: this.timeoutMs }));
      throw new StepError('validate', `${what} failed: ${lastLines(r) || errMsg(e)}`);
    }
  }

  /** Backs up what is about to be replaced. */
  private async backup(ch: Change): Promise<void> {
    const toBackup = ch.changing.filter((f) => this.existed(f.path)).map((f) => f.path);
    if (!toBackup.length) return;
    await this.timed('backup', () => this.run('backup', backupCommand(toBackup), 'backing up'), toBackup.map(backupPath).join(' '));
  }

  /** Atomic renames: rename(2) replaces whatever is at the live path without following it. */
  private async swap(ch: Change): Promise<void> {
    await this.timed('swap', async () => {
      for (const f of ch.changing) {
        this.swapped.push({ path: f.path, existed: this.existed(f.path) });
        await this.remoteCall('swap', `replacing ${f.path}`, () => this.remote!.rename(stagingPath(f.path, ch.token), f.path));
      }
      await this.run('swap', removeStagingCommand(this.stageDirs), 'removing the staging directories');
      this.stageDirs = [];
    });
  }

  /**
   * Whole-configuration validators (e.g. `nginx -t`) see the swapped files; nothing has been
   * reloaded yet, so a failure here is undone before any daemon reads the bad file.
   */
  private async validateWhole(wholeConfig: Array<{ path: string; cmd: string }>): Promise<void> {
    for (const w of [...new Map(wholeConfig.map((w) => [w.cmd, w])).values()]) {
      await this.timed('validate', () => this.run('validate', validateCommand(w.cmd, w.path), `validating with ${w.cmd}`));
    }
  }

  /** sysctl/firewall files: the kernel state each changes, read first (for rollback), then applied. */
  private async applyKernelState(ch: Change): Promise<void> {
    const applies = ch.content.filter((f) => f.apply);
    if (!applies.length) return;
    await this.timed('apply', async () => {
      for (const f of applies) {
        const file = ch.byPath.get(f.path)!;
        const before = await this.run(
          'apply',
          captureRuntimeCommand(f.apply!, file.content, f.path),
          `reading the state ${f.path} changes`,
        );
        this.runtime.push(parseRuntime(f.apply!, f.path, before.stdout));
        await this.run('apply', applyCommand(f.apply!, f.path), `applying ${f.apply} (${f.path})`);
      }
    });
  }

  /** Reloads the plan's services, then checks each runs. */
  private async reload(): Promise<void> {
    const services = this.result.plan!.reload;
    this.reloadReached = services.length > 0;
    for (const svc of services) {
      await this.withJournal(svc, () =>
        this.timed('reload', () => this.run('reload', reloadCommand(this.facts!.init, svc), `reloading ${svc}`), svc),
      );
      this.result.reloaded.push(svc);
    }
    if (services.length) await this.timed('verify', () => this.verifyServices(services), services.join(' '));
  }

  private async verifyServices(services: ServiceName[]): Promise<void> {
    for (const svc of services) {
      // a restart may take a moment to write its pid file: a few bounded tries
      let last: ExecResult | undefined;
      for (let i = 0; i < 10; i++) {
        last = await this.remoteCall('verify', `checking ${svc}`, () =>
          this.remote!.exec(statusCommand(this.facts!.init, svc), { timeoutMs: this.timeoutMs }),
        );
        if (last.code === 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      if (last!.code !== 0) {
        const why = new StepError('verify', `${svc} is not running after the reload: ${(last!.stdout + last!.stderr).trim()}`);
        await this.withJournal(svc, () => Promise.reject(why));
      }
    }
  }

  // ---- rollback --------------------------------------------------------------------------

  /**
   * Undoes what this run changed on the host: staging directories, swapped files (from their
   * backups, newest first), the kernel state, then reloads what this run reloaded (or was about
   * to), so daemons run the restored files. Never throws: the outcome is in result.restored and
   * the events.
   */
  async rollback(): Promise<void> {
    if (!this.remote) return;
    if (this.lost) return this.cannotRestore();
    const s = Date.now();
    this.emit({ host: this.name, step: 'rollback', status: 'start' });
    try {
      await this.restore(this.remote);
      if (this.result.status === 'applied') this.result.status = 'rolled-back';
      this.result.restored = true;
      const what = [...this.swapped.map((x) => x.path), ...this.runtime.map((x) => `the state before ${x.path}`)];
      this.emit({
        host: this.name,
        step: 'rollback',
        status: 'ok',
        ms: Date.now() - s,
        message: what.length ? `restored ${what.join(', ')}` : 'nothing had been replaced',
      });
    } catch (e) {
      this.result.restored = false;
      if (isConnectionLoss(e)) this.result.lost = true;
      const message = isConnectionLoss(e) ? `${this.name} became unreachable during the rollback: ${errMsg(e)}` : errMsg(e);
      this.emit({ host: this.name, step: 'rollback', status: 'fail', message });
    }
  }

  private cannotRestore(): void {
    this.result.restored = false;
    const held = this.swapped.length
      ? `; it may hold new files (${this.swapped.map((s) => s.path).join(', ')}) — deploy again when it is back`
      : ' (nothing had been replaced on it)';
    this.emit({ host: this.name, step: 'rollback', status: 'fail', message: `${this.name} is unreachable: cannot restore it${held}` });
  }

  private async restore(remote: Remote): Promise<void> {
    const timeoutMs = this.timeoutMs;
    if (this.stageDirs.length) await remote.exec(removeStagingCommand(this.stageDirs), { timeoutMs });
    if (this.swapped.length) {
      const r = await remote.exec(restoreCommand([...this.swapped].reverse()), { timeoutMs });
      if (r.code !== 0) throw new Error(`restore failed: ${r.stderr.trim()}`);
    }
    // the kernel state the applies changed (nft tables, sysctl values, firewalld zone), newest first
    for (const snap of [...this.runtime].reverse()) {
      const r = await remote.exec(restoreRuntimeCommand(snap), { timeoutMs });
      if (r.code !== 0) throw new Error(`restoring the state before ${snap.path} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    }
    const svcs = this.reloadReached ? this.result.plan!.reload : [];
    for (const svc of svcs) {
      const r = await remote.exec(reloadCommand(this.facts!.init, svc), { timeoutMs });
      if (r.code !== 0)
        this.emit({
          host: this.name,
          step: 'rollback',
          status: 'info',
          message: `reloading ${svc} after restore: ${r.stderr.trim() || `exit ${r.code}`}`,
        });
    }
  }

  // ---- remote calls ----------------------------------------------------------------------

  /** Runs a command; a non-zero exit is a StepError with the command's last lines. */
  private async run(step: DeployStep, cmd: Command, what: string, timeoutMs = this.timeoutMs): Promise<ExecResult> {
    let r: ExecResult;
    try {
      r = await this.remote!.exec(cmd, { timeoutMs });
    } catch (e) {
      throw this.lostOr(step, what, e);
    }
    if (r.code !== 0) throw new StepError(step, `${what} failed (exit ${r.code}): ${lastLines(r) || renderCommand(cmd)}`);
    return r;
  }

  /**
   * Runs `fn`; when it fails on a host with systemd, the failure quotes the last journal lines of
   * the service's unit, so a failed reload or start says why in the daemon's own words. Reading
   * the journal never hides the failure itself.
   */
  private async withJournal<T>(svc: ServiceName, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof StepError) || this.facts?.init !== 'systemd' || this.lost) throw e;
      const j = await this.remote!.exec(journalCommand(svc), { timeoutMs: this.timeoutMs }).catch(() => undefined);
      const lines = j?.code === 0 ? j.stdout.trim() : '';
      if (!lines) throw e;
      throw new StepError(e.step, `${e.message}\njournal of ${svc}.service (last ${JOURNAL_LINES} lines):\n${lines}`);
    }
  }

  /** A remote call other than a command (SFTP): its failure is the step's, a lost session marks the host. */
  private async remoteCall<T>(step: DeployStep, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.lostOr(step, what, e);
    }
  }

  /** The StepError for a failed remote call; marks the host lost when the session is gone. */
  private lostOr(step: DeployStep, what: string, e: unknown): StepError {
    if (e instanceof StepError) return e;
    if (isConnectionLoss(e)) this.markLost();
    return new StepError(step, `${what}: ${errMsg(e)}`);
  }

  /** Runs one step of apply with its start and ok events; the step is what a failure names. */
  private async timed<T>(step: DeployStep, fn: () => Promise<T>, message?: string): Promise<T> {
    const s = Date.now();
    this.step = step;
    this.emit({ host: this.name, step, status: 'start', message });
    const v = await fn();
    this.emit({ host: this.name, step, status: 'ok', ms: Date.now() - s });
    return v;
  }
}
