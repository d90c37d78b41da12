/**
 * VRRP's clock, as keepalived runs it (keepalived.conf(5), RFC 5798): how long a backup waits
 * before it takes the VIP. One owner for the arithmetic that the failover test (to size its
 * phases), the schema's docs (what an advert costs) and the `slow-link-failover` hint all use.
 */

/** The backup's skew time: (256 − priority) / 256 × advert. */
export function skewMs(priority: number, advertMs: number): number {
  return ((256 - priority) / 256) * advertMs;
}

/**
 * The backup's master-down timer: three adverts missed, plus its skew. This is what a silent
 * primary costs (its link down, its host gone): nothing tells the backup sooner.
 */
export function masterDownMs(advertMs: number, backupPriority: number): number {
  return 3 * advertMs + skewMs(backupPriority, advertMs);
}

/** The default backup priority (model/resolve.ts), the one the docs' figures assume. */
export const DEFAULT_BACKUP_PRIORITY = 249;

/**
 * The advert halab recommends with `vrrp-version 3`: a silent primary is taken over in ~0.12 s.
 * Shorter adverts cost more VRRP packets and leave less room for a busy CPU (keepalived's VRRP
 * process gets real-time scheduling when adverts are sub-second, see render.ts).
 */
export const RECOMMENDED_V3_ADVERT_MS = 40;

/** "3.03 s" / "0.12 s": a takeover time as the docs and hints write it. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** What a silent primary costs for a few adverts, for the `advert` and `vrrp-version` docs. */
export function advertCostTable(): string {
  const row = (label: string, ms: number) => `${label}: ${seconds(masterDownMs(ms, DEFAULT_BACKUP_PRIORITY))}`;
  return [
    row('1s (VRRPv2\'s shortest)', 1000),
    row('100ms (v3)', 100),
    row(`${RECOMMENDED_V3_ADVERT_MS}ms (v3, recommended)`, RECOMMENDED_V3_ADVERT_MS),
  ].join('; ');
}
