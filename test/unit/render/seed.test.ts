/**
 * The seed example covers the seed: every line of the tutorial's haproxy.cfg and keepalived.conf
 * (test/golden/seed-original/) appears in the rendering of examples/seed-lab.halab, or is listed
 * below with what replaced it and why. The same list is in docs/rendering.md.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../server/src/engine.js';
import { render } from '../../../server/src/render/render.js';
import { envSecrets } from '../../../server/src/secrets.js';

const root = join(__dirname, '..', '..', '..');
const norm = (l: string) => l.trim().replace(/\s+/g, ' ');

/** seed line → what the rendering has instead (a regex over its lines; null: dropped). */
const HAPROXY_CHANGES: Record<string, RegExp | null> = {
  // /var/run is a legacy symlink to /run; Debian's init script uses /run/haproxy.pid.
  'pidfile /var/run/haproxy.pid': /^pidfile \/run\/haproxy\.pid$/,
  // One admin socket path per OS family, mode 660 so the haproxy group can read states.
  'stats socket /var/lib/haproxy/stats level admin': /^stats socket \/var\/lib\/haproxy\/admin\.sock mode 660 level admin$/,
  // "TLSv1.2" is a protocol, not a cipher list: use ssl-min-ver and a real cipher list.
  'ssl-default-bind-ciphers TLSv1.2': /^ssl-default-bind-options ssl-min-ver TLSv1\.2/,
  // halab never speaks TLS to servers, and "intermediate" is not an OpenSSL cipher string.
  'ssl-default-server-ciphers intermediate': null,
  // One frontend per vip:port, named after it.
  'frontend www': /^frontend fe_http_192\.168\.56\.100_80$/,
  // Case-insensitive, port-stripping Host match.
  'acl web01_url req.hdr(host) web01-192-168-56-100.nip.io':
    /^acl host_web01 req\.hdr\(host\),field\(1,:\) -i web01-192-168-56-100\.nip\.io$/,
  'acl web02_url req.hdr(host) web02-192-168-56-100.nip.io':
    /^acl host_web02 req\.hdr\(host\),field\(1,:\) -i web02-192-168-56-100\.nip\.io$/,
  'use_backend web01 if web01_url': /^use_backend web01 if host_web01$/,
  'use_backend web02 if web02_url': /^use_backend web02 if host_web02$/,
  // Check timing (§3 defaults) and weight written out.
  'server upstream01 192.168.56.103:80 check':
    /^server upstream01 192\.168\.56\.103:80 check inter 2s fastinter 500ms downinter 500ms fall 3 rise 2 weight 100$/,
  'server upstream02 192.168.56.104:80 check':
    /^server upstream02 192\.168\.56\.104:80 check inter 2s fastinter 500ms downinter 500ms fall 3 rise 2 weight 100$/,
  // `stats` would collide with a site named stats.
  'listen stats': /^listen halab\.stats$/,
  // Same realm, escaped as \xNN like every free-text value.
  'stats realm HAProxy\\ Statistics': /^stats realm HAProxy\\x20Statistics$/,
  // Never the default admin:haproxy: the password comes from env:HALAB_STATS_PASSWORD.
  'stats auth admin:haproxy': /^stats auth admin:golden-Stats-pw$/,
};

const KEEPALIVED_CHANGES: Record<string, RegExp | null> = {
  // Mail cruft: no MTA on the lbs, and keepalived's SMTP alerts were never configured to fire.
  'notification_email {': null,
  'root@localhost': null,
  'notification_email_from root@localhost': null,
  'smtp_server localhost': null,
  'smtp_connect_timeout 30': null,
  // One script per vip, named after its router id.
  'vrrp_script check_haproxy {': /^vrrp_script check_haproxy_255 \{$/,
  'check_haproxy': /^check_haproxy_255$/,
  // Absolute path: with enable_script_security keepalived wants to know what it runs.
  'script "killall -0 haproxy"': /^script "\/usr\/bin\/killall -0 haproxy"$/,
  'vrrp_instance VI_HAPROXY {': /^vrrp_instance VI_255 \{$/,
  // keepalived uses 8 characters; halab cuts the same way on every lb (checks warn).
  'auth_pass NzUwYmY1Y2FhM2IzMjE1OThiNjcyYzFl': /^auth_pass golden-v$/,
  // With the vip's prefix rather than keepalived's default /32.
  '192.168.56.100': /^192\.168\.56\.100\/24$/,
};

function coverage(seed: string, ours: string, changes: Record<string, RegExp | null>): void {
  const have = new Set(ours.split('\n').map(norm));
  for (const raw of seed.split('\n')) {
    const line = norm(raw);
    if (line === '' || line === '}') continue;
    if (line in changes) {
      assert.ok(!have.has(line), `"${line}" is rendered as in the seed now: remove it from the list of changes`);
      const re = changes[line];
      if (re) assert.ok([...have].some((l) => re.test(l)), `"${line}": expected a line like ${re} instead`);
      continue;
    }
    assert.ok(have.has(line), `seed line "${line}" is missing from the rendering and not listed as a change`);
  }
}

describe('seed-lab.halab covers the seed tutorial', () => {
  const src = join(root, 'examples', 'seed-lab.halab');
  const a = analyze(readFileSync(src, 'utf8'), src);
  const files = render(a.model, {
    source: src, secrets: envSecrets({ HALAB_STATS_PASSWORD: 'golden-Stats-pw', HALAB_VRRP_AUTH: 'golden-vrrp-auth' }),
  }).files;
  const get = (host: string, path: string) => files.find((f) => f.host === host && f.path === path)!.content;

  it('haproxy.cfg: every seed line, or a documented change', () => {
    coverage(readFileSync(join(root, 'test/golden/seed-original/haproxy.cfg'), 'utf8'), get('haproxy01', '/etc/haproxy/haproxy.cfg'),
      HAPROXY_CHANGES);
  });

  it('keepalived.conf: every seed line, or a documented change', () => {
    coverage(readFileSync(join(root, 'test/golden/seed-original/keepalived.conf'), 'utf8'),
      get('haproxy01', '/etc/keepalived/keepalived.conf'), KEEPALIVED_CHANGES);
  });

  it("the backup's keepalived.conf differs only in router_id, state and priority", () => {
    const k1 = get('haproxy01', '/etc/keepalived/keepalived.conf').split('\n');
    const k2 = get('haproxy02', '/etc/keepalived/keepalived.conf').split('\n');
    const diff = k1.map((l, i) => [l, k2[i]]).filter(([x, y]) => x !== y).map(([x, y]) => `${norm(x!)} | ${norm(y!)}`);
    assert.deepEqual(diff, ['router_id haproxy01 | router_id haproxy02', 'state MASTER | state BACKUP', 'priority 101 | priority 100']);
  });

  it('the nginx vhosts and pages carry the seed content', () => {
    const v = get('upstream01', '/etc/nginx/conf.d/web01.conf');
    assert.match(v, /^\s*listen\s+80;$/m);
    assert.match(v, /^\s*server_name\s+web01-192-168-56-100\.nip\.io;$/m);
    assert.match(v, /^\s*root\s+\/usr\/share\/nginx\/web01;$/m);
    assert.match(get('upstream02', '/usr/share/nginx/web02/index.html'), /^WEB 02 - TEST PAGE$/m);
  });
});
