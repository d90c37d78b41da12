/**
 * The schema's defaults are the resolver's (issue 14, item 1): a minimal file resolves to a model
 * in which every keyword left out has exactly the value its schema entry shows in hover and the
 * docs. Each default is parsed from the table (schema/defaults.ts), so the test lists where each
 * keyword lands in the model, and fails when a keyword with a literal default has no entry here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../server/src/engine.js';
import { BLOCKS } from '../../../server/src/schema/schema.js';
import { defaultStatements } from '../../../server/src/schema/defaults.js';
import type { Topology } from '../../../shared/model/types.js';

const MINIMAL = `topology t
vip 198.18.0.100/24 { router-id 51 }
lb lb1 { address 198.18.0.11; role primary }
lb lb2 { address 198.18.0.12; role backup }
upstream web1 { address 198.18.0.21 }
site web { host www.example.com; servers web1 }
service db { listen 5432; servers web1 }
stats { password env:HALAB_STATS_PASSWORD }
`;

const onOff = (v: unknown) => v === 'on';
const yesNo = (v: unknown) => v === 'yes';
const version = (v: unknown) => Number(v);

/** Where each keyword's default lands in the model, and how the schema's value maps to it. */
const IN_MODEL: Record<string, [(m: Topology) => unknown, ((v: unknown) => unknown)?]> = {
  'file/firewall': [(m) => m.firewall],
  'vip/interface': [(m) => m.vips[0]!.interface],
  'vip/advert': [(m) => m.vips[0]!.advertMs],
  'vip/vrrp-version': [(m) => m.vips[0]!.vrrpVersion, version],
  'vip/preempt': [(m) => m.vips[0]!.preempt, onOff],
  'vip/handoff': [(m) => m.vips[0]!.handoff, onOff],
  'vip/track-interval': [(m) => m.vips[0]!.trackIntervalMs],
  'vip/track-weight': [(m) => m.vips[0]!.trackWeight],
  'vip/track-command': [(m) => m.vips[0]!.trackCommand],
  'lb/os': [(m) => m.lbs[0]!.os],
  'upstream/os': [(m) => m.upstreams[0]!.os],
  'upstream/port': [(m) => m.upstreams[0]!.port],
  'upstream/weight': [(m) => m.upstreams[0]!.weight],
  'upstream/managed': [(m) => m.upstreams[0]!.managed, yesNo],
  'site/balance': [(m) => m.sites[0]!.balance],
  'site/listen': [(m) => m.sites[0]!.listen],
  'site/check': [(m) => m.sites[0]!.check],
  'site/check-path': [(m) => m.sites[0]!.checkPath],
  'site/check-expect': [(m) => m.sites[0]!.checkExpect],
  'site/check-interval': [(m) => m.sites[0]!.checkIntervalMs],
  'site/check-fall': [(m) => m.sites[0]!.checkFall],
  'site/check-rise': [(m) => m.sites[0]!.checkRise],
  'service/balance': [(m) => m.services[0]!.balance],
  'service/check-interval': [(m) => m.services[0]!.checkIntervalMs],
  'service/check-fall': [(m) => m.services[0]!.checkFall],
  'service/check-rise': [(m) => m.services[0]!.checkRise],
  'stats/listen': [(m) => m.stats!.listen],
  'stats/uri': [(m) => m.stats!.uri],
  'stats/user': [(m) => m.stats!.user],
  'stats/realm': [(m) => m.stats!.realm],
  'defaults/maxconn': [(m) => m.defaults.maxconn],
  'defaults/retries': [(m) => m.defaults.retries],
  'defaults/redispatch': [(m) => m.defaults.redispatch, onOff],
  'failover-test/fault': [(m) => m.failoverTest.fault],
  'failover-test/probe-interval': [(m) => m.failoverTest.probeIntervalMs],
  'failover-test/duration': [(m) => m.failoverTest.durationMs],
  'failover-test/max-outage': [(m) => m.failoverTest.maxOutageMs],
  'lab/bridge': [(m) => m.lab.bridge],
  'lab/hosts': [(m) => m.lab.hosts],
};

test('every literal default of the schema is the resolved value of a minimal file', () => {
  const a = analyze(MINIMAL);
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), []);
  const m = a.model;
  let compared = 0;
  for (const b of Object.values(BLOCKS)) {
    for (const k of b.keywords) {
      if (k.default === undefined || k.derivedDefault) continue;
      const id = `${b.id}/${k.keyword}`;
      const stmts = defaultStatements(b.id, k.keyword)!;
      if (id === 'defaults/timeout') {
        assert.deepEqual(m.defaults.timeouts, Object.fromEntries(stmts), id);
      } else {
        const where = IN_MODEL[id];
        assert.ok(where, `${id} has a default (${k.default}) but no entry in IN_MODEL`);
        const [get, map = (v: unknown) => v] = where;
        assert.deepEqual(get(m), map(stmts[0]![0]), `${id}: schema says ${k.default}`);
      }
      compared++;
    }
  }
  assert.equal(compared, Object.keys(IN_MODEL).length + 1, 'every IN_MODEL entry is a schema default');
});

test('derived defaults: priorities 250/249, ssh from the address, the first vip, the site\'s root and page', () => {
  const m = analyze(MINIMAL).model;
  assert.deepEqual(m.lbs.map((l) => l.priority), [250, 249]);
  assert.deepEqual(m.lbs[0]!.ssh, { user: 'root', host: '198.18.0.11', port: 22, explicit: false });
  assert.equal(m.sites[0]!.vip, '198.18.0.100');
  assert.equal(m.sites[0]!.root, '/usr/share/nginx/web');
  assert.equal(m.sites[0]!.page, 'web test page');
  // track: process on real hosts; the watcher where a lab block says the hosts are namespaces
  assert.equal(m.vips[0]!.track, 'process');
  assert.equal(analyze(`${MINIMAL}\nlab { bridge halabx0 }\n`).model.vips[0]!.track, 'watcher');
  assert.equal(analyze(`${MINIMAL}\nlab { bridge halabx0 }\n`.replace('router-id', 'track script; router-id')).model.vips[0]!.track,
    'script');
});
