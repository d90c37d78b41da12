/**
 * Every diagnostic code of §4: a case that triggers it at the marked range, and a near miss that
 * must not trigger it. Plus a file with several faults reporting all of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../server/src/engine.js';
import { CHECKS } from '../../../server/src/checks/index.js';
import { readdirSync } from 'node:fs';
import { BASE, marked } from '../../helpers/markers.js';

const b = (from: string, to: string): string => {
  assert.ok(BASE.includes(from), `BASE has no ${from}`);
  return BASE.replace(from, to);
};

interface Case {
  code: string;
  /** Input with «» around the expected range. */
  hit: string;
  /** A similar input that must not produce the code. */
  miss: string;
}

const CASES: Case[] = [
  { code: 'syntax-error', hit: b('servers web1 web2 }', 'servers web1 web2 }\n«}»'),
    miss: b('servers web1 web2 }', 'servers web1 web2\n}') },
  { code: 'syntax-error', hit: b('site s1 {', 'site s1 «{»') .replace('servers web1 web2 }', 'servers web1 web2'), miss: BASE },
  { code: 'syntax-error', hit: b('host a.example.com', 'host a.example.com\n  page «"»unterminated'),
    miss: b('host a.example.com', 'host a.example.com\n  page "terminated"') },
  { code: 'syntax-error', hit: b('address 198.18.0.21 }', 'address 198.18.0.21 «{» }}'), miss: BASE },
  { code: 'unknown-keyword', hit: b('router-id 51', '«rouer-id» 51'), miss: b('router-id 51', 'router-id 51; advert 2s') },
  { code: 'unknown-keyword', hit: b('role backup }', 'role backup; «address2» 1 }'), miss: BASE },
  { code: 'missing-argument', hit: b('role backup', '«role»'), miss: b('role backup', 'role backup') },
  { code: 'too-many-arguments', hit: b('router-id 51', 'router-id 51 «52 53»'),
    miss: b('host a.example.com', 'host a.example.com b.example.com') },
  { code: 'invalid-value', hit: b('router-id 51', 'router-id «256»'), miss: b('router-id 51', 'router-id 255') },
  { code: 'invalid-value', hit: b('router-id 51', 'router-id 51; advert «2»'), miss: b('router-id 51', 'router-id 51; advert 2s') },
  { code: 'invalid-value', hit: b('198.18.0.21', '«198.18.0.021»'), miss: b('198.18.0.21', 'web1.example.com') },
  { code: 'missing-required', hit: b('vip 198.18.0.100/24 { router-id 51 }', '«vip 198.18.0.100/24» { advert 1s }'), miss: BASE },
  { code: 'missing-required',
    // no lb (a file with lbs but no site is fine: it may serve TCP services or sections kept whole)
    hit: `«topology t»\nvip 198.18.0.100/24 { router-id 51 }\nupstream web1 { address 198.18.0.21 }\n`,
    miss: BASE },
  { code: 'duplicate-name', hit: b('upstream web2', 'upstream «lb1»').replace('servers web1 web2', 'servers web1 lb1'),
    miss: b('site s1', 'site lb1') },
  { code: 'duplicate-address', hit: b('address 198.18.0.22', 'address «198.18.0.21»'),
    miss: b('upstream web2 { address 198.18.0.22 }', 'upstream web2 { address 198.18.0.21; port 8080 }') },
  { code: 'unknown-reference', hit: b('servers web1 web2', 'servers web1 «web3»'), miss: BASE },
  { code: 'too-few-lbs', hit: b('lb lb2 { address 198.18.0.12; role backup }\n', '').replace('lb lb1', '«lb lb1»'), miss: BASE },
  { code: 'no-primary', hit: b('lb lb1 { address 198.18.0.11; role primary }', '«lb lb1» { address 198.18.0.11; role backup }'),
    miss: BASE },
  { code: 'multiple-primaries', hit: b('role backup', 'role «primary»'), miss: BASE },
  { code: 'priority-order', hit: b('role backup', 'role backup; priority «250»'), miss: b('role backup', 'role backup; priority 249') },
  { code: 'vip-outside-subnet', hit: b('198.18.0.12', '«198.18.1.12»'),
    miss: b('198.18.0.100/24', '198.18.0.100/23').replace('198.18.0.12', '198.18.1.12') },
  { code: 'vip-conflict', hit: b('vip 198.18.0.100/24', 'vip «198.18.0.21/24»'), miss: BASE },
  { code: 'router-id-conflict',
    hit: b('vip 198.18.0.100/24 { router-id 51 }', 'vip 198.18.0.100/24 { router-id 51 }\nvip 198.18.0.101/24 { router-id «51» }')
      .replace('servers web1 web2 }', 'servers web1 web2 }\nsite s2 { host b.example.com; servers web1 web2; vip 198.18.0.101 }'),
    miss: b('vip 198.18.0.100/24 { router-id 51 }', 'vip 198.18.0.100/24 { router-id 51 }\nvip 198.18.0.101/24 { router-id 52 }')
      .replace('servers web1 web2 }', 'servers web1 web2 }\nsite s2 { host b.example.com; servers web1 web2; vip 198.18.0.101 }') },
  { code: 'duplicate-host', hit: BASE + 'site s2 { host «A.example.com»; servers web1 web2 }\n',
    miss: BASE + 'site s2 { host b.example.com; servers web1 web2 }\n' },
  { code: 'port-conflict', hit: BASE + 'stats { listen «80»; password env:P }\n',
    miss: BASE + 'stats { listen 8080; password env:P }\n' },
  { code: 'port-conflict',
    hit: BASE + ('site s2 { host b.example.com; servers web1 web2; tls «/etc/haproxy/b.pem» }\n' +
      'site s3 { host c.example.com; servers web1 web2; listen 443 }\n')
      .replace('«/etc/haproxy/b.pem»', '/etc/haproxy/b.pem').replace('listen 443', 'listen «443»'),
    miss: BASE + 'site s3 { host c.example.com; servers web1 web2 }\n' },
  { code: 'failover-impossible',
    hit: b('router-id 51', 'router-id 51; track script; track-weight «1»')
      .replace('role primary', 'role primary; priority 101').replace('role backup', 'role backup; priority 100'),
    miss: b('router-id 51', 'router-id 51; track script; track-weight 2')
      .replace('role primary', 'role primary; priority 101').replace('role backup', 'role backup; priority 100') },
  { code: 'auth-with-vrrp3', hit: b('router-id 51', 'router-id 51; vrrp-version 3; «auth env:A»'),
    miss: b('router-id 51', 'router-id 51; vrrp-version 2; auth env:A') },
  { code: 'slow-link-failover', hit: b('router-id 51', 'router-id 51; vrrp-version «2»'),
    miss: b('router-id 51', 'router-id 51; vrrp-version 3; advert 40ms') },
  { code: 'slow-link-failover', hit: b('vip 198.18.0.100/24', 'vip «198.18.0.100/24»'),
    miss: b('router-id 51', 'router-id 51; vrrp-version 3') },
  { code: 'subsecond-advert-needs-vrrp3', hit: b('router-id 51', 'router-id 51; advert «100ms»'),
    miss: b('router-id 51', 'router-id 51; advert 100ms; vrrp-version 3') },
  { code: 'multiple-defaults',
    hit: b('servers web1 web2 }', 'servers web1 web2; default }') + 'site s2 { host b.example.com; servers web1 web2; «default» }\n',
    miss: b('servers web1 web2 }', 'servers web1 web2; default }') + 'site s2 { host b.example.com; servers web1 web2 }\n' },
  { code: 'auth-pass-truncated', hit: b('router-id 51', 'router-id 51; auth «"123456789"»'),
    miss: b('router-id 51', 'router-id 51; auth "12345678"') },
  { code: 'plaintext-secret', hit: BASE + 'stats { password «"s3cret-pass-long"» }\n',
    miss: BASE + 'stats { password env:HALAB_STATS_PASSWORD }\n' },
  { code: 'weak-credentials', hit: BASE + 'stats { user admin; password «haproxy» }\n',
    miss: BASE + 'stats { user admin; password "k8#Lq2-wPz9!" }\n' },
  { code: 'single-upstream', hit: b('servers web1 web2', '«servers web1»').replace('upstream web2 { address 198.18.0.22 }\n', ''),
    miss: BASE },
  { code: 'duplicate-statement', hit: b('role backup', 'role backup; «role» backup'),
    miss: b('host a.example.com', 'host a.example.com; host b.example.com') },
  { code: 'duplicate-statement', hit: b('topology t', 'firewall none\ntopology t') + '«firewall» nftables\n',
    miss: b('topology t', 'firewall none\ntopology t') },
  { code: 'unused-upstream', hit: BASE + 'upstream «web3» { address 198.18.0.23 }\n', miss: BASE },
  { code: 'unused-vip', hit: BASE + 'vip «198.18.0.101/24» { router-id 52 }\n',
    miss: BASE + 'vip 198.18.0.101/24 { router-id 52 }\nstats { listen 8080; password env:X }\n'
      .replace('vip 198.18.0.101/24 { router-id 52 }\n', '') },
  { code: 'duplicate-root',
    hit: b('servers web1 web2 }', 'servers web1 web2; root /srv/x }') + 'site s2 { host b.example.com; servers web2; root «/srv//x/» }\n',
    miss: b('servers web1 web2 }', 'servers web1 web2; root /srv/x }') + 'site s2 { host b.example.com; servers web2; root /srv/x2 }\n' },
  { code: 'line-too-long', hit: b('router-id 51', `router-id 51; track script; track-command «"/bin/echo ${"''".repeat(150)}"»`),
    miss: b('router-id 51', `router-id 51; track script; track-command "/bin/echo ${"''".repeat(100)}"`) },
  { code: 'line-too-long',
    hit: BASE + Array.from({ length: 31 }, (_, i) =>
      `site t${i} { host t${i}.example.test; servers web1 web2; tls ${i === 30 ? '«/etc/c30.pem»' : `/etc/c${i}.pem`} }`)
      .join('\n') + '\n',
    miss: BASE + Array.from({ length: 31 }, (_, i) =>
      `site t${i} { host t${i}.example.test; servers web1 web2; tls /etc/c${i % 30}.pem }`)
      .join('\n') + '\n' },
  { code: 'invalid-value', hit: BASE + 'stats { password env:P; realm «""» }\n', miss: BASE + 'stats { password env:P; realm "x" }\n' },
  // The kernel refuses `:` in a link name: `eth0:1` is an address label keepalived cannot use.
  { code: 'invalid-value', hit: b('router-id 51', 'router-id 51; interface «eth0:1»'),
    miss: b('router-id 51', 'router-id 51; interface bond0.100') },
  { code: 'invalid-value', hit: b('servers web1 web2 }', 'servers web1 web2; root «/srv/./x» }'),
    miss: b('servers web1 web2 }', 'servers web1 web2; root /srv/.x }') },
];

test('the base topology has no diagnostics but the VRRPv2 hint', () => {
  assert.deepEqual(analyze(BASE).diagnostics.map((d) => d.code), ['slow-link-failover']);
});

/** The modules of server/src/checks that are not one check each. */
const NOT_CHECKS = new Set(['index.ts', 'types.ts', 'util.ts', 'suggest.ts']);

test('every code of the registry has at least one case', () => {
  const covered = new Set(CASES.map((c) => c.code));
  for (const c of CHECKS) assert.ok(covered.has(c.code), `no test case for ${c.code}`);
  // the registry holds every check module, each once (no hard-coded count to bump)
  const modules = readdirSync('server/src/checks').filter((f) => f.endsWith('.ts') && !NOT_CHECKS.has(f)).map((f) => f.slice(0, -3));
  assert.deepEqual(CHECKS.map((c) => c.code).sort(), modules.sort());
});

for (const [i, c] of CASES.entries()) {
  test(`${c.code} #${i}: triggers at the marked range`, () => {
    const { text, spans } = marked(c.hit);
    assert.equal(spans.length, 1, 'case needs exactly one «» span');
    const found = analyze(text).diagnostics.filter((d) => d.code === c.code);
    assert.ok(found.length > 0, `expected ${c.code} in:\n${text}\ngot: ${analyze(text).diagnostics.map((d) => d.code).join(', ')}`);
    assert.ok(found.some((d) => d.span.start === spans[0]!.start && d.span.end === spans[0]!.end),
      `expected ${c.code} at «${text.slice(spans[0]!.start, spans[0]!.end)}», ` +
        `got at ${found.map((d) => `«${text.slice(d.span.start, d.span.end)}»`).join(', ')}`);
    for (const d of found) assert.ok(d.message.length > 20, 'messages say what to do');
  });
  test(`${c.code} #${i}: near miss stays quiet`, () => {
    const { text } = marked(c.miss);
    const codes = analyze(text).diagnostics.map((d) => d.code);
    assert.ok(!codes.includes(c.code), `did not expect ${c.code} in:\n${text}`);
  });
}

test('a file with several faults reports all of them', () => {
  const text = `topology t
vip 198.18.0.100/24 { rouer-id 51; advert 2 }
lb lb1 { address 198.18.0.11; role primary
lb lb2 { address 198.18.0.11; role primary; priority 300 }
upstream web1 { address 198.18.0.21 }
site s1 { host a.example.com; servers web1 nope }
stats { password "admin" }
}
`;
  const codes = new Set(analyze(text).diagnostics.map((d) => d.code));
  for (const c of ['unknown-keyword', 'invalid-value', 'syntax-error', 'duplicate-address', 'multiple-primaries', 'unknown-reference',
    'plaintext-secret', 'weak-credentials', 'missing-required']) {
    assert.ok(codes.has(c), `missing ${c}; got ${[...codes].join(', ')}`);
  }
});

test('the examples are clean', async () => {
  const { readFileSync } = await import('node:fs');
  for (const f of ['examples/seed-lab.halab', 'examples/lab.halab']) {
    const diags = analyze(readFileSync(f, 'utf8')).diagnostics;
    assert.deepEqual(diags.filter((d) => d.severity !== 'hint').map((d) => `${d.code}: ${d.message}`), [], f);
  }
});

test('slow-link-failover says what a silent primary costs, in seconds (3 adverts + skew at priority 249)', () => {
  // 3 × 1000 + 7/256 × 1000 = 3027 ms; with v3 and 40 ms adverts: 3 × 40 + 7/256 × 40 = 121 ms
  const d = analyze(BASE, 't.halab').diagnostics.find((x) => x.code === 'slow-link-failover');
  assert.equal(d?.severity, 'hint');
  assert.match(d!.message, /after 3 adverts \+ skew: 3\.03 s with VRRPv2\. `vrrp-version 3` with `advert 40ms` makes it 0\.12 s/);
});
