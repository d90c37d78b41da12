/**
 * The failover test's preflight: the deployed config equals the file (the deploy's own plan,
 * over the run's sessions), the VIP is on the primary alone, and every site answers.
 */
import type { Lb, Topology } from '../../../shared/model/types.js';
import { deployTopology } from '../deploy/index.js';
import type { Remote } from '../deploy/deploy.js';
import type { HostTarget } from '../deploy/targets.js';
import { verifyCluster } from '../verify/cluster.js';
import { diagnoseVrrp } from '../verify/diagnose-vrrp.js';
import type { FailoverRemote } from './remote.js';
import type { FailoverOptions } from './run.js';
import type { FailoverPhase, PreflightResult } from './types.js';

const errMsg = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function preflight(
  model: Topology,
  primary: Lb,
  opts: FailoverOptions,
  targets: HostTarget[],
  ctl: Map<string, FailoverRemote>,
  compareConfig: boolean,
  phase: (p: FailoverPhase, s: 'start' | 'ok' | 'fail' | 'info', m: string) => void,
): Promise<PreflightResult> {
  const res: PreflightResult = { ok: true, config: 'skipped', differing: [], vipHolders: {}, sites: [], messages: [] };
  if (compareConfig) {
    // the deploy's own plan, over the sessions already open: rendered vs. remote, file by file
    const reuse = (name: string): Remote => {
      const r = ctl.get(name);
      if (!r) throw new Error(`no session to ${name}`);
      return {
        exec: (c, o) => r.exec(c, o),
        writeFile: () => Promise.reject(new Error('the failover preflight writes nothing')),
        rename: () => Promise.reject(new Error('the failover preflight writes nothing')),
        close: () => undefined,
      };
    };
    try {
      const plan = await deployTopology(model, {
        secrets: opts.secrets!,
        plan: true,
        targets: targets.filter((t) => ctl.has(t.name)),
        connect: async (t) => reuse(t.name),
        verify: { vip: false, sites: false },
      });
      if (!plan.ok) {
        res.config = 'error';
        res.ok = false;
        res.messages.push(`cannot compare the deployed config: ${plan.failure?.message ?? 'plan failed'}`);
      } else {
        for (const h of plan.hosts) {
          for (const f of h.plan?.files ?? []) {
            if (f.status !== 'same') res.differing.push(`${h.host}:${f.path} (${f.status}${f.reason ? `: ${f.reason}` : ''})`);
          }
        }
        res.config = res.differing.length ? 'differs' : 'same';
        if (res.differing.length) {
          res.ok = false;
          res.messages.push(`the deployed config differs from the file (${res.differing.join(', ')}): run halab deploy first`);
        } else res.messages.push('deployed config matches the file');
      }
    } catch (e) {
      // an unset secret is the caller's problem to report (usage), not a failing test
      if ((e as Error).name === 'SecretError') throw e;
      res.config = 'error';
      res.ok = false;
      res.messages.push(`cannot compare the deployed config: ${errMsg(e)}`);
    }
  } else if (opts.preflight?.config !== false) {
    res.messages.push('deployed config not compared (no secrets given)');
  }
  if (opts.preflight?.cluster !== false) {
    const lbs = new Map(model.lbs.map((l) => [l.name, ctl.get(l.name)!]));
    const c = await verifyCluster(model, lbs, {
      vip: true,
      sites: true,
      timeoutMs: 10_000,
      emit: (e) => phase('preflight', e.status === 'fail' ? 'fail' : 'info', `${e.step}: ${e.message ?? e.status}`),
    });
    res.vipHolders = c.vipHolders;
    res.sites = c.sites.map((s) => ({ site: s.site, ok: s.ok, ...(s.message ? { message: s.message } : {}) }));
    if (!c.ok) {
      res.ok = false;
      res.messages.push(c.message ?? 'cluster check failed');
      if (c.failedStep === 'vip') {
        for (const lb of model.lbs) {
          const d = await diagnoseVrrp(ctl.get(lb.name)!, lb, model).catch(() => undefined);
          if (d) res.messages.push(...d.explanation);
        }
      }
    } else res.messages.push(`VIP on ${primary.name}, ${c.sites.length} site(s) answer`);
  }
  return res;
}
