/**
 * The validators must be able to say no, or the golden and property tests prove nothing:
 * feed each one a config with a known fault.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Validators, canValidate, haveTool, SKIP_REASON } from '../../helpers/validators.js';

const v = new Validators();
after(() => v.cleanup());

const HAPROXY_OK = 'defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nfrontend f\n' +
  '    bind 127.0.0.1:18999\n    default_backend b\nbackend b\n    server s 127.0.0.1:18998\n';
const KA_OK = 'vrrp_instance V {\n    interface hvtest0\n    virtual_router_id 9\n    priority 100\n    advert_int 1\n' +
  '    virtual_ipaddress {\n        198.18.0.100/24\n    }\n}\n';
const VHOST_OK = 'server {\n    listen 8089;\n    server_name a.test;\n    root /tmp;\n}\n';

describe('validators reject broken configs', { skip: !canValidate() && SKIP_REASON }, () => {
  it('haproxy -c: accepts a good config, rejects an unknown keyword and a warning', async () => {
    assert.ok((await v.haproxy(HAPROXY_OK)).ok);
    assert.equal((await v.haproxy(HAPROXY_OK.replace('mode http', 'mode htp'))).ok, false);
    // A frontend without timeouts is only a warning for haproxy; we count it as a failure.
    assert.equal((await v.haproxy(HAPROXY_OK.replace('    timeout client 1s\n', ''))).ok, false);
  });

  it('keepalived -t: accepts a good config, rejects a missing interface and a bad keyword', async () => {
    assert.ok((await v.keepalived(KA_OK, ['hvtest0'])).ok);
    assert.equal((await v.keepalived(KA_OK.replace('hvtest0', 'hvnothere0'), [])).ok, false);
    assert.equal((await v.keepalived(KA_OK.replace('priority 100', 'priorty 100'), ['hvtest0'])).ok, false);
  });

  it('nginx -t: accepts a good vhost, rejects a syntax error and a conflicting server_name', async () => {
    assert.ok((await v.nginx([VHOST_OK])).ok);
    assert.equal((await v.nginx([VHOST_OK.replace('root /tmp;', 'root /tmp')])).ok, false);
    assert.equal((await v.nginx([VHOST_OK, VHOST_OK])).ok, false);
  });

  it('sh -n rejects a broken script', async () => {
    assert.ok((await v.shell('#!/bin/sh\necho ok\n')).ok);
    assert.equal((await v.shell("#!/bin/sh\necho 'unterminated\n")).ok, false);
  });

  it('nft -c rejects a broken ruleset', { skip: !haveTool('nft') && 'nft not installed' }, async () => {
    assert.ok((await v.nft(
      'table inet t {\n chain c {\n  type filter hook input priority filter; policy accept;\n  tcp dport 80 accept\n }\n}\n',
    )).ok);
    assert.equal((await v.nft('table inet t {\n chain c {\n  tcp dport eighty accept\n }\n}\n')).ok, false);
  });
});
