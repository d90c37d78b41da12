/**
 * `halab import`: the inverse of render. Reads the files of every host (as `halab render -o` lays
 * them out), infers a topology (infer*.ts), writes it as a .halab draft (emit.ts), renders it and
 * settles every input line against the result (account.ts), then renders once more to check that
 * the file it returns is whole. See docs/import.md.
 */
import { basename } from 'node:path';
import { makeMasker } from '../deploy/secrets.js';
import type { SecretResolver } from '../secrets.js';
import { renderDraft, settleAll, type Rendered } from './account.js';
import { draftOf } from './emit.js';
import { inferFirewall, inferUpstreamHosts } from './infer-hosts.js';
import { inferHaproxy } from './infer-haproxy.js';
import { inferLbs, inferVips, orderLbs, readLbs, type Inferred } from './infer.js';
import { Ledger } from './ledger.js';
import type { ImportInput, ImportResult } from './types.js';

export type { ImportHost, ImportInput, ImportResult, ReportEntry, Went } from './types.js';
export { WENT } from './types.js';
export { readImportDir } from './read.js';

/** The env variable for the n-th distinct secret of a kind. */
function envName(base: string, n: number): string {
  return n === 0 ? base : `${base}_${n + 1}`;
}

export function importConfigs(input: ImportInput): ImportResult {
  return maskSecrets(importUnmasked(input));
}

/**
 * The report quotes input lines, and some hold secrets: every text of the result but the secrets
 * list itself shows `<env:NAME>` (or `<secret>`) for the value of a secret-bearing directive
 * (`auth_pass`, `stats auth user:…`, a userlist's `password`); and the deploy's masker hides any
 * secret value of 8 bytes or more, in every form it takes, wherever it stands (a shorter one, like
 * the seed's `haproxy`, would blank every path). The CLI and the editor print these texts as they are.
 */
const SECRET_DIRECTIVES = [
  /(\bauth_pass\s+)("[^"]*"|[^\s`]+)/g,
  /(\bstats\s+auth\s+[^:\s`]+:)([^\s`]+)/g,
  /(\buser\s+\S+\s+(?:insecure-)?password\s+)([^\s`]+)/g,
];
const MASK_ANYWHERE_FROM = 8;

function maskSecrets(r: ImportResult): ImportResult {
  const label = (v: string) => {
    const env = r.secrets.find((x) => x.value === v || x.value === v.replace(/^"(.*)"$/, '$1'))?.env;
    return `<${env ? `env:${env}` : 'secret'}>`;
  };
  // the deploy's masker: every form a value takes in a file (escaped, quoted, keepalived's 8-byte cut)
  const anywhere = makeMasker(r.secrets.map((x) => x.value).filter((v) => v.length >= MASK_ANYWHERE_FROM));
  const mask = (t: string) => {
    let out = t;
    for (const re of SECRET_DIRECTIVES) out = out.replace(re, (_m, head: string, v: string) => `${head}${label(v)}`);
    return anywhere(out);
  };
  const entry = <T extends { text: string; detail: string }>(e: T): T => ({ ...e, text: mask(e.text), detail: mask(e.detail) });
  return {
    ...r, report: r.report.map(entry), errors: r.errors.map(entry), guesses: r.guesses.map(mask), differences: r.differences.map(mask),
  };
}

function importUnmasked(input: ImportInput): ImportResult {
  const ledger = new Ledger();
  const guesses: string[] = [];
  const errors: Inferred['errors'] = [];
  const targets: Inferred['targets'] = new Map();
  const source = basename(input.output ?? 'imported.halab');

  // 1. read the lbs, primary first
  const { lbs: found, others } = readLbs(input.hosts, ledger, errors, guesses);
  if (found.length === 0) return failed(ledger, 'no host folder has /etc/haproxy/haproxy.cfg or /etc/keepalived/keepalived.conf');
  const lbIns = orderLbs(found);

  // 2. keepalived: vips and lbs
  const vips = inferVips(lbIns, ledger, guesses, targets);
  const lbs = inferLbs(lbIns, vips, guesses);

  // 3. haproxy.cfg: every lb's file is read (its lines marked); the primary's says the topology
  const withCfg = lbIns.filter((l) => l.cfg);
  const preludes: Inferred['preludes'] = new Map();
  const per = withCfg.map((lb) => inferHaproxy(lb, vips, ledger, guesses, errors, targets, preludes));
  const h = per[0] ?? { name: '', sites: [], services: [], stats: undefined, defaults: { timeouts: {} }, upstreams: [] };
  const inf: Inferred = {
    ...h, name: h.name || topologyName(source), vips, lbs, targets, preludes, lbIns, guesses, errors,
  };

  // 4. the upstreams' files, the firewall, the addresses nothing said
  inferUpstreamHosts(others, inf.upstreams, inf.sites, ledger, guesses);
  inf.firewall = inferFirewall(lbIns, lbs);
  guessAddresses(inf);

  // 5. secrets become env references
  const secrets: ImportResult['secrets'] = [];
  const secretEnv = (what: 'auth' | 'stats', value: string, vip?: string) => {
    const base = what === 'auth' ? 'HALAB_VRRP_AUTH' : 'HALAB_STATS_PASSWORD';
    const same = secrets.find((s) => s.env.startsWith(base) && s.value === value);
    if (same) return same.env;
    const env = envName(base, secrets.filter((s) => s.env.startsWith(base)).length);
    secrets.push({ env, what: what === 'auth' ? `the VRRP password of vip ${vip}` : 'the stats password', value });
    return env;
  };
  const draft = draftOf(inf, secretEnv);
  const resolver: SecretResolver = (ref) => (ref.kind === 'env' ? (secrets.find((s) => s.env === ref.name)?.value ?? '') : '');

  // 6. settle the open lines against a render, then render the result again
  const first = renderDraft(draft, resolver, source);
  // without a render every open line is judged against nothing, so the report still leaves none out
  settleAll(inf, draft, ledger, first.result ?? { files: [] });
  const final = renderDraft(draft, resolver, source);
  if (!final.result || final.problems.length) return failedDraft(ledger, final.text, final.problems, inf, secrets, source);
  const report = ledger.all();
  const errs = report.filter((e) => e.went === 'error');
  return {
    text: errs.length ? '' : final.text,
    report,
    guesses,
    differences: report.filter((e) => e.went === 'replaced').map((e) => `${e.host} ${e.file}:${e.line} \`${e.text}\`: ${e.detail}`),
    secrets,
    errors: errs,
  };
}

/** The topology's name from the output file's (`seed.halab` → `seed`). */
function topologyName(source: string): string {
  const n = source.replace(/\.halab$/, '').replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z]+/, '');
  return n || 'imported';
}

/** An lb whose address no file says: the report asks for it; the draft needs one to render. */
function guessAddresses(inf: Inferred): void {
  inf.lbs.forEach((lb, i) => {
    if (lb.address) return;
    const vip = inf.vips[0];
    const base = vip ? vip.address.split('.').slice(0, 3).join('.') : '198.18.0';
    lb.address = `${base}.${Math.min(250, 201 + i)}`;
    inf.guesses.push(`no file says the address of lb ${lb.name}: the draft has ${lb.address}; set it (or give DIR/hosts)`);
  });
  for (const v of inf.vips) {
    if (v.prefix >= 0) continue;
    v.prefix = v.address.includes(':') ? 64 : 24;
    inf.guesses.push(`vip ${v.address} has no prefix (keepalived takes /32): halab needs the lbs' subnet, the draft says /${v.prefix}`);
  }
}

function failed(ledger: Ledger, message: string): ImportResult {
  const e = { host: '', file: '', line: 0, text: '', went: 'error' as const, detail: message };
  return { text: '', report: [...ledger.all(), e], guesses: [], differences: [], secrets: [], errors: [e] };
}

/**
 * The draft does not pass halab's checks. When input lines were lost, those come first and
 * nothing is written (the draft's problems usually follow from them). When nothing was lost, the
 * topology itself is what halab refuses (a track weight that cannot move the VIP, lbs outside the
 * VIP's subnet): the file is still returned, its errors naming its own lines, to be fixed there.
 */
function failedDraft(ledger: Ledger, text: string, problems: Rendered['problems'], inf: Inferred, secrets: ImportResult['secrets'], source: string): ImportResult {
  const lost = ledger.all().filter((e) => e.went === 'error');
  const errs = problems.map((p) => ({ host: '', file: source, line: p.line, text: text.split('\n')[p.line - 1]?.trim() ?? '', went: 'error' as const, detail: p.message }));
  return {
    text: lost.length ? '' : text, report: [...ledger.all(), ...errs], guesses: inf.guesses,
    differences: [], secrets, errors: [...lost, ...errs],
  };
}

