/**
 * Checks after the lbs are deployed: each VIP is held by exactly one lb, the primary, and every
 * site answers through its VIP with the expected page (HTTP from this machine, Host header set).
 * Both poll within a bounded time: after a first start keepalived needs a few adverts before the
 * primary takes the VIP.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Service, Site, Topology } from '../../../shared/model/types.js';
import { probeOnce, serviceTarget } from '../failover/probe-core.js';
import type { ExecResult } from '../deploy/ssh.js';
import { ADDRESSES, KEEPALIVED_DUMP, parseAddresses, parseKeepalivedStates, type Exec } from './host-state.js';
import { splitBrainMessage } from './split-brain.js';
type Emit = (e: { host?: string; step: 'vip' | 'sites'; status: 'start' | 'ok' | 'fail' | 'info'; message?: string; ms?: number }) => void;

export type HttpGet = (url: string, host: string, timeoutMs: number) => Promise<{ status: number; body: string }>;

export interface SiteCheck {
  site: string;
  url: string;
  host: string;
  ok: boolean;
  status?: number;
  message?: string;
}

export interface ClusterCheck {
  ok: boolean;
  failedStep?: 'vip' | 'sites';
  message?: string;
  /** vip address → lbs holding it at the end of the check. */
  vipHolders: Record<string, string[]>;
  sites: SiteCheck[];
  /** lbs whose connection failed during the check (the check then fails at once). */
  lost?: string[];
}

/** GET with a Host header, from this machine. TLS sites are fetched without verifying the cert. */
export const defaultHttpGet: HttpGet = (url, host, timeoutMs) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'GET',
        headers: { Host: host, Connection: 'close' },
        timeout: timeoutMs,
        servername: host,
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });

/** The Host header to test a site with: its first name, a wildcard made concrete. */
export function siteHostHeader(hosts: string[]): string {
  const h = hosts.find((x) => !x.includes('*')) ?? hosts[0] ?? 'localhost';
  return h.replace(/^\*\./, 'www.');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type ClusterOptions = { vip: boolean; sites: boolean; timeoutMs: number; httpGet?: HttpGet; emit: Emit };

export async function verifyCluster(model: Topology, lbs: Map<string, Exec>, o: ClusterOptions): Promise<ClusterCheck> {
  const res: ClusterCheck = { ok: true, vipHolders: {}, sites: [] };
  const deadline = Date.now() + o.timeoutMs;
  if (o.vip && !(await checkVips(model, lbs, o, res, deadline))) return res;
  if (o.sites) await checkSites(model, o, res, deadline);
  return res;
}

/**
 * Which lbs hold each VIP now. A session that died is the check's failure, not an exception past
 * the deploy's rollback: its lb is in `lost` and its error joins res.message.
 */
async function readHolders(
  lbs: Map<string, Exec>,
  vips: string[],
  res: ClusterCheck,
): Promise<{ holders: Record<string, string[]>; lost: string[] }> {
  const holders: Record<string, string[]> = Object.fromEntries(vips.map((v) => [v, [] as string[]]));
  const lost: string[] = [];
  await Promise.all(
    [...lbs].map(async ([name, r]) => {
      let out: ExecResult;
      try {
        out = await r.exec(ADDRESSES, { timeoutMs: 5000 });
      } catch (e) {
        lost.push(name);
        res.message = [res.message, e instanceof Error ? e.message : String(e)].filter(Boolean).join('; ');
        return;
      }
      for (const v of parseAddresses(out.stdout, vips)) holders[v]!.push(name);
    }),
  );
  return { holders, lost };
}

/** Polls until every VIP is on the primary alone (or the deadline); false when it is not. */
async function checkVips(
  model: Topology,
  lbs: Map<string, Exec>,
  o: ClusterOptions,
  res: ClusterCheck,
  deadline: number,
): Promise<boolean> {
  const primary = model.lbs.find((l) => l.role === 'primary')?.name;
  const vips = model.vips.map((v) => v.address);
  const onPrimary = (h: string[]) => h.length === 1 && h[0] === primary;
  const s = Date.now();
  o.emit({ step: 'vip', status: 'start', message: vips.join(' ') });
  let last: Record<string, string[]> = {};
  for (;;) {
    const { holders, lost } = await readHolders(lbs, vips, res);
    last = holders;
    if (lost.length) {
      Object.assign(res, { ok: false, failedStep: 'vip', vipHolders: last, lost: lost.sort() });
      o.emit({ step: 'vip', status: 'fail', message: res.message });
      return false;
    }
    if (vips.every((v) => onPrimary(last[v]!)) || Date.now() > deadline) break;
    await sleep(250);
  }
  res.vipHolders = last;
  const bad = vips.filter((v) => !onPrimary(last[v]!));
  if (bad.length) {
    res.ok = false;
    res.failedStep = 'vip';
    const parts = bad.map((v) => {
      const h = last[v]!;
      if (h.length === 0) return `no lb holds ${v}`;
      if (h.length > 1) return splitBrainMessage({ vip: v, holders: h });
      return `${v} is on ${h[0]}, not on the primary ${primary}`;
    });
    res.message = parts.join('; ') + (await explainFault(model, lbs));
    o.emit({ step: 'vip', status: 'fail', message: res.message });
    return false;
  }
  o.emit({ step: 'vip', status: 'ok', ms: Date.now() - s, message: vips.map((v) => `${v} on ${primary}`).join(', ') });
  return true;
}

/** Every site answers through its VIP (polled until the deadline). */
async function checkSites(model: Topology, o: ClusterOptions, res: ClusterCheck, deadline: number): Promise<void> {
  const s = Date.now();
  const get = o.httpGet ?? defaultHttpGet;
  const managed = new Set(model.upstreams.filter((u) => u.managed).map((u) => u.name));
  o.emit({ step: 'sites', status: 'start' });
  await Promise.all([
    ...model.sites.map(async (site) => res.sites.push(await checkSite(site, get, managed, deadline))),
    ...model.services.map(async (sv) => res.sites.push(await checkService(sv, deadline))),
  ]);
  const bad = res.sites.filter((x) => !x.ok);
  if (bad.length) {
    res.ok = false;
    res.failedStep = 'sites';
    res.message = bad
      .map((b) => (b.host ? `site ${b.site} (${b.url}, Host: ${b.host}): ${b.message}` : `service ${b.site} (${b.url}): ${b.message}`))
      .join('; ');
    o.emit({ step: 'sites', status: 'fail', message: res.message });
    return;
  }
  const services = model.services.length ? ` and ${model.services.length} service(s)` : '';
  o.emit({ step: 'sites', status: 'ok', ms: Date.now() - s, message: `${model.sites.length} site(s)${services} answer through the VIP` });
}

/**
 * How a site is asked through its VIP (here, and by the exported playbook): its URL, its Host
 * header, and the page it must show — known only when halab wrote it on every server of the site.
 */
export function siteRequest(site: Site, managed: ReadonlySet<string>): { url: string; host: string; expectPage?: string } {
  const address = site.vip.includes(':') ? `[${site.vip}]` : site.vip;
  return {
    url: `${site.tls ? 'https' : 'http'}://${address}:${site.tls ? 443 : site.listen}/`,
    host: siteHostHeader(site.hosts),
    ...(site.servers.every((n) => managed.has(n)) ? { expectPage: site.page } : {}),
  };
}

async function checkSite(site: Site, get: HttpGet, managed: Set<string>, deadline: number): Promise<SiteCheck> {
  const { url, host, expectPage } = siteRequest(site, managed);
  const check: SiteCheck = { site: site.name, url, host, ok: false };
  for (;;) {
    try {
      const r = await get(url, host, 3000);
      check.status = r.status;
      check.ok = r.status === 200 && (expectPage === undefined || r.body.includes(expectPage));
      check.message = check.ok ? undefined : r.status !== 200 ? `HTTP ${r.status}` : `the page does not contain "${expectPage}"`;
    } catch (e) {
      check.message = e instanceof Error ? e.message : String(e);
    }
    if (check.ok || Date.now() > deadline) return check;
    await sleep(250);
  }
}

/** A TCP service makes its check's exchange through its VIP (polled until the deadline). */
async function checkService(sv: Service, deadline: number): Promise<SiteCheck> {
  const target = serviceTarget(sv);
  const check: SiteCheck = {
    site: sv.name,
    url: `tcp://${sv.vip.includes(':') ? `[${sv.vip}]` : sv.vip}:${sv.listen}`,
    host: '',
    ok: false,
  };
  for (;;) {
    const r = await probeOnce(target, 3000, () => Date.now());
    check.ok = r.ok;
    check.message = r.ok ? undefined : r.error;
    if (check.ok || Date.now() > deadline) return check;
    await sleep(250);
  }
}

/** When no lb holds a VIP, ask keepalived which state its instances are in, and say why. */
async function explainFault(model: Topology, lbs: Map<string, Exec>): Promise<string> {
  const notes: string[] = [];
  for (const [name, r] of lbs) {
    try {
      const d = await r.exec(KEEPALIVED_DUMP, { timeoutMs: 5000 });
      if (d.code === 3) {
        notes.push(`${name}: keepalived is not running`);
        continue;
      }
      const states = parseKeepalivedStates(d.stdout);
      const faults = [...states].filter(([, st]) => st === 'FAULT').map(([i]) => i);
      if (faults.length) notes.push(`${name}: VRRP instance ${faults.join(', ')} in FAULT`);
    } catch {
      /* best effort */
    }
  }
  let why = '';
  if (notes.some((n) => n.includes('FAULT'))) {
    why = model.vips.some((v) => v.track === 'process')
      ? ' — `track process` needs the kernel process-event connector, which a host in its own PID namespace (a container, ' +
        'the local lab) does not get ("Failed to set/clear process event listen - errno 111"); use `track script` there'
      : ' — a tracked check is failing (is haproxy running? does the track command work on the host?) or the interface is down';
  }
  return notes.length ? ` (${notes.join('; ')})${why}` : why;
}
