/**
 * One lab for a whole describe block, from a .halab fixture file: analyzed (no errors), brought
 * up and deployed before the block's tests, and restored and brought down after them, even when
 * a test failed; then nothing of it may be left on the machine. Needs root.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { analyze, hasErrors } from '../../server/src/engine.js';
import type { Topology } from '../../shared/model/types.js';
import { labDown, labExec, labRestoreHost, labUp, readLabState, type LabState } from '../../server/src/lab/index.js';
import { deployTopology } from '../../server/src/deploy/index.js';
import type { SecretResolver } from '../../server/src/secrets.js';

export interface LabFixture {
  /** The fixture's topology. */
  readonly model: Topology;
  /** The lab as `labUp` returned it (set by the before hook). */
  readonly state: LabState;
}

/** What the lab leaves on the machine while it is up: its namespaces' names and its bridge. */
export interface LabLeftovers {
  netns: RegExp;
  link: RegExp;
}

/** Which of `lbs` have `vip` on eth0, seen from the host side (nsenter), not through halab. */
export async function vipHolders(state: LabState, vip: string, lbs: readonly string[] = ['lb1', 'lb2']): Promise<string[]> {
  const out: string[] = [];
  for (const lb of lbs) {
    const r = await labExec(state, lb, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
    if (r.stdout.includes(` ${vip}/`)) out.push(lb);
  }
  return out;
}

/** The fixture's topology; fails when the file has errors. */
export function fixtureModel(file: string): Topology {
  const a = analyze(readFileSync(file, 'utf8'), file);
  assert.equal(hasErrors(a.diagnostics), false, JSON.stringify(a.diagnostics));
  return a.model;
}

/**
 * Call inside a describe block: registers its before hook (a previous crashed run's lab down,
 * this lab up, the topology deployed with `secrets`) and its after hook (the fixtures' hosts lb1,
 * lb2, web1 and web2 restored, the lab down, none of `leftovers` in `ip netns list` or
 * `ip -o link show`).
 */
export function useLabFixture(file: string, secrets: SecretResolver, leftovers: LabLeftovers): LabFixture {
  const model = fixtureModel(file);
  let state: LabState;

  before(async () => {
    await labDown(model).catch(() => undefined); // a previous crashed run
    state = await labUp(model);
    const d = await deployTopology(model, { secrets, source: file });
    assert.equal(d.ok, true, JSON.stringify(d.failure));
  });

  after(async () => {
    const st = readLabState(model.name);
    if (st) for (const h of ['lb1', 'lb2', 'web1', 'web2']) await labRestoreHost(st, h).catch(() => undefined);
    await labDown(model);
    assert.doesNotMatch(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), leftovers.netns);
    assert.doesNotMatch(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), leftovers.link);
  });

  return {
    model,
    get state() {
      return state;
    },
  };
}
