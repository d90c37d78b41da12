/**
 * Several topologies at once (a fleet): what must hold across them before any is rendered or
 * deployed together, and the bounded parallelism the CLI runs them with. Engine code: no
 * `vscode` import.
 */
import ipaddr from 'ipaddr.js';
import type { Topology } from '../../../shared/model/types.js';

export interface FleetMember {
  file: string;
  model: Topology;
}

/**
 * Why these topologies cannot be handled together, one line each (empty: they can):
 * - two files with the same topology name (their labs, state and outputs would collide);
 * - a VIP address in two topologies (two pairs would claim one address);
 * - one VRRP router id for vips that share a subnet: adverts of one pair would reach the other
 *   with the same id, and keepalived would log them as bad or fight over the VIP.
 */
export function fleetProblems(members: readonly FleetMember[]): string[] {
  const problems: string[] = [];
  const byName = new Map<string, string>();
  const byVip = new Map<string, string>();
  const vrids: Array<{ file: string; topology: string; cidr: string; routerId: number }> = [];
  for (const { file, model } of members) {
    const other = byName.get(model.name);
    if (other) problems.push(`${file}: topology ${model.name} is also the topology of ${other}; give each file its own name`);
    else byName.set(model.name, file);
    for (const v of model.vips) {
      const seen = byVip.get(v.address);
      if (seen && seen !== file) problems.push(`${file}: vip ${v.address} is also a vip of ${seen}`);
      else byVip.set(v.address, file);
      for (const o of vrids) {
        if (o.file !== file && o.routerId === v.routerId && sameSubnet(o.cidr, v.cidr)) {
          problems.push(
            `${file}: vip ${v.cidr} uses router-id ${v.routerId}, as ${o.cidr} of ${o.file} on the same subnet does; ` +
              'give one of them another router-id',
          );
        }
      }
      vrids.push({ file, topology: model.name, cidr: v.cidr, routerId: v.routerId });
    }
  }
  return problems;
}

function sameSubnet(a: string, b: string): boolean {
  try {
    const [aa, ap] = ipaddr.parseCIDR(a);
    const [ba, bp] = ipaddr.parseCIDR(b);
    if (aa.kind() !== ba.kind()) return false;
    return aa.match(ba, Math.min(ap, bp));
  } catch {
    return false;
  }
}

/**
 * `fn` over `items` with at most `limit` running at once, results in the items' order. A failure
 * of one is its result's business (fn should not throw); a throw rejects after the others end.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length) throw errors[0];
  return results;
}
