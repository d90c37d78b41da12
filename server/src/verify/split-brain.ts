/**
 * Split brain: two or more lbs holding one VIP at once, each answering ARP for it, so clients are
 * split between them at the whim of their ARP caches. With VRRP that happens when the lbs'
 * adverts do not reach each other (a firewall dropping protocol 112 is the classic cause): each
 * backup's master-down timer runs out and it becomes MASTER too.
 *
 * One owner for the rule and the sentence: the deploy's cluster check, the live status (the
 * status bar) and the failover test's verdict all say it with `splitBrainMessage`.
 */

export interface SplitBrain {
  vip: string;
  /** The lbs holding the VIP on a network interface (verify/host-state.ts `parseAddresses`). */
  holders: string[];
  /** keepalived's state of the VIP's instance on each holder, when it was read (null: could not). */
  states?: Record<string, string | null>;
  /** The MACs that answered ARP for the VIP from this machine, when ARP was asked (verify/arp.ts). */
  arpMacs?: string[] | null;
}

/** The VIPs held by two or more lbs, from a map vip → the lbs holding it. */
export function splitBrains(holders: Readonly<Record<string, readonly string[]>>): SplitBrain[] {
  return Object.entries(holders)
    .filter(([, lbs]) => lbs.length > 1)
    .map(([vip, lbs]) => ({ vip, holders: [...lbs].sort() }));
}

/**
 * How long the VIP poll may see two holders before it is called a split brain. While adverts get
 * through, two masters cannot last: the lower one yields on the first advert it hears from the
 * higher one, at most one advert interval away (a failback, a healed link). Two intervals allow
 * for a late advert; at least a second, plus half a second, allows for the poll's own lag over
 * SSH on a busy machine (a holder's "gone" is seen a poll late).
 */
export function splitBrainMinMs(advertMs: number): number {
  return Math.max(1000, 2 * advertMs) + 500;
}

/** "lb1 and lb2", "lb1, lb2 and lb3". */
function names(xs: readonly string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

/** What keepalived and ARP said, in words: "both MASTER in keepalived; both answered ARP for it, from 2 MACs". */
function evidence(s: SplitBrain): string[] {
  const both = s.holders.length === 2 ? 'both' : 'all';
  const out: string[] = [];
  const states = s.holders.map((h) => s.states?.[h]).filter((x): x is string => typeof x === 'string');
  if (states.length === s.holders.length && states.every((x) => x === 'MASTER')) out.push(`${both} MASTER in keepalived`);
  else if (states.length > 0) out.push(`keepalived: ${s.holders.map((h) => `${h} ${s.states?.[h] ?? 'unread'}`).join(', ')}`);
  if (s.arpMacs) {
    const n = s.arpMacs.length;
    out.push(n === s.holders.length
      ? `${both} answered ARP for it, from ${n} MACs`
      : `ARP for it was answered from ${n} MAC${n === 1 ? '' : 's'}`);
  }
  return out;
}

/**
 * The plain-words sentence: who holds the VIP, what keepalived and ARP said, and the likely cause.
 * `past` for a report after the fact (the failover test has undone its fault by then).
 */
export function splitBrainMessage(brain: SplitBrain, tense: 'now' | 'past' = 'now'): string {
  const s = { ...brain, holders: [...brain.holders].sort() };
  const how = s.holders.length === 2 ? 'both' : 'all';
  const verb = tense === 'past' ? 'held' : 'hold';
  const ev = evidence(s);
  return `split brain: ${names(s.holders)} ${how} ${verb} the VIP ${s.vip}${ev.length ? ` (${ev.join('; ')})` : ''} — ` +
    'VRRP adverts between the lbs are not getting through (a firewall dropping protocol 112?)';
}
