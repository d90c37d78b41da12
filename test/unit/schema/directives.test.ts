/**
 * The directive lists of the pass-through statements (server/src/schema/directives.gen.ts): current
 * with the manuals where they are installed (scripts/gen-directives.ts reads them), holding the
 * directives people carry over, and every directive halab says it writes itself is one of its
 * section's (a typo there would let the real directive through unrefused).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, SOURCES } from '../../../scripts/gen-directives.js';
import { PASS_SECTIONS } from '../../../server/src/schema/pass-through.js';

const installed = existsSync(SOURCES.haproxy) && existsSync(SOURCES.keepalived);

test('directives.gen.ts is what the installed manuals give (npm run gen:directives)', {
  skip: !installed && 'the manuals are not installed (apt-get install haproxy-doc keepalived)',
}, () => {
  const file = join(__dirname, '..', '..', '..', 'server', 'src', 'schema', 'directives.gen.ts');
  assert.equal(readFileSync(file, 'utf8'), generate());
});

test('each section lists the directives people carry over', () => {
  const has = (section: keyof typeof PASS_SECTIONS, names: string[]) => {
    for (const n of names) assert.ok(PASS_SECTIONS[section].directives.includes(n), `${section}: ${n}`);
  };
  has('haproxy-global', ['nbthread', 'log', 'stats', 'lua-load', 'ssl-default-bind-options', 'tune.bufsize']);
  has('haproxy-defaults', ['option http-keep-alive', 'timeout tunnel', 'http-request', 'errorfile']);
  has('haproxy-frontend', ['http-request', 'use_backend', 'acl', 'tcp-request connection', 'capture request header', 'stick-table']);
  has('haproxy-backend', ['stick-table', 'http-request', 'option httpchk', 'cookie', 'hash-type']);
  has('keepalived-global', ['vrrp_garp_master_refresh', 'notification_email', 'script_user', 'max_auto_priority']);
  has('keepalived-instance', ['notify_master', 'track_interface', 'garp_master_refresh', 'unicast_peer', 'smtp_alert']);
  assert.ok(!PASS_SECTIONS['haproxy-frontend'].directives.includes('balance'), 'a frontend has no balance');
  assert.ok(!PASS_SECTIONS['haproxy-backend'].directives.includes('bind'), 'a backend binds nothing');
});

test('every directive halab writes itself is a directive of its section', () => {
  for (const [id, s] of Object.entries(PASS_SECTIONS)) {
    for (const d of Object.keys(s.owned)) assert.ok(s.directives.includes(d), `${id}: ${d} is not in the ${s.section} list`);
  }
});
