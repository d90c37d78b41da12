/** Pure parts of deploy: os-release matching, bootstrap commands per OS, plan and masking, facts parsing. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { osMismatch, parseOsRelease } from '../../../server/src/deploy/os-release.js';
import { bootstrapCommands, missing } from '../../../server/src/deploy/bootstrap.js';
import { planFile, reloadsFor } from '../../../server/src/deploy/plan.js';
import { makeMasker, MASK } from '../../../server/src/deploy/secrets.js';
import { parseFacts, stagingPath } from '../../../server/src/deploy/remote-ops.js';
import { parseAddresses, parseKeepalivedStates } from '../../../server/src/verify/host-state.js';
import { renderCommand } from '../../../server/src/deploy/shell-quote.js';
import type { RenderedFile } from '../../../server/src/render/types.js';

const ALMA = 'NAME="AlmaLinux"\nVERSION_ID="9.4"\nID="almalinux"\nID_LIKE="rhel centos fedora"\n' +
  'PRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"\n';
const UBUNTU = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\n';

describe('os-release', () => {
  it('parses quoted values and ID_LIKE', () => {
    const r = parseOsRelease(ALMA);
    assert.deepEqual([r.id, r.idLike, r.versionId, r.prettyName],
      ['almalinux', ['rhel', 'centos', 'fedora'], '9.4', 'AlmaLinux 9.4 (Seafoam Ocelot)']);
  });
  it('matches the declared os, and explains a mismatch with the right suggestion', () => {
    assert.equal(osMismatch('lb1', 'almalinux', parseOsRelease(ALMA)), undefined);
    const m = osMismatch('lb1', 'almalinux', parseOsRelease(UBUNTU));
    assert.match(m!, /lb1: the file says `os almalinux` but \/etc\/os-release says Ubuntu 24.04 LTS.*Write `os ubuntu`/);
    assert.match(osMismatch('lb1', 'rhel', parseOsRelease(ALMA))!, /os almalinux/);
  });
});

describe('bootstrap commands', () => {
  it('changes nothing on a host that has everything', () => {
    assert.deepEqual(missing('lb', new Set(['haproxy', 'keepalived', 'killall', 'perl'])), []);
    assert.deepEqual(bootstrapCommands('debian', [], true), []);
  });
  it('uses dnf on AlmaLinux/RHEL/Rocky and enables the services', () => {
    for (const os of ['almalinux', 'rhel', 'rocky'] as const) {
      const cmds = bootstrapCommands(os, missing('lb', new Set(['haproxy']), os), true).map(renderCommand);
      assert.deepEqual(cmds, ['dnf -y -q install keepalived psmisc perl-interpreter', 'systemctl enable keepalived']);
    }
  });
  it('uses apt-get on Debian/Ubuntu, non-interactively', () => {
    for (const os of ['debian', 'ubuntu'] as const) {
      const cmds = bootstrapCommands(os, missing('upstream', new Set()), true).map(renderCommand);
      assert.deepEqual(cmds, [
        "env 'DEBIAN_FRONTEND=noninteractive' apt-get update -q",
        "env 'DEBIAN_FRONTEND=noninteractive' apt-get install -y -q --no-install-recommends nginx",
        'systemctl enable nginx',
      ]);
    }
  });
  it('enables through the init scripts without systemd', () => {
    assert.deepEqual(bootstrapCommands('debian', missing('lb', new Set(['killall', 'perl'])), false).slice(2).map(renderCommand),
      ['update-rc.d haproxy enable', 'update-rc.d keepalived enable']);
    assert.deepEqual(bootstrapCommands('rocky', missing('lb', new Set(['killall', 'perl', 'haproxy'])), false).slice(1).map(renderCommand),
      ['chkconfig keepalived on']);
  });
});

describe('plan', () => {
  const file = (content: string, extra: Partial<RenderedFile> = {}): RenderedFile => ({
    host: 'lb1', path: '/etc/haproxy/haproxy.cfg', content, mode: 0o640, owner: 'root', group: 'haproxy', reload: ['haproxy'], secret: true,
    ...extra,
  });
  const mask = makeMasker(['topsecret-password', 'vrrpAuthLong']);
  it('marks new, changed and same', () => {
    assert.equal(planFile(file('a\n'), undefined, mask).status, 'new');
    assert.equal(planFile(file('a\n'), { content: 'b\n', mode: 0o640, owner: 'root', group: 'haproxy' }, mask).status, 'changed');
    assert.equal(planFile(file('a\n'), { content: 'a\n', mode: 0o640, owner: 'root', group: 'haproxy' }, mask).status, 'same');
  });
  it('masks secrets in diffs, and their 8-character prefix (keepalived truncates auth_pass)', () => {
    const p = planFile(file('stats auth admin:topsecret-password\nauth_pass vrrpAuth\n'), { content: 'stats auth admin:old\n' }, mask);
    assert.ok(!p.diff.includes('topsecret'), p.diff);
    assert.ok(!p.diff.includes('vrrpAuth'), p.diff);
    assert.ok(p.diff.includes(`stats auth admin:${MASK}`), p.diff);
    // the host's line holds another password ("old"): it sits where the secret goes, so it is masked too
    assert.ok(!p.diff.includes('admin:old'), p.diff);
  });
  it('says when only a secret changed, without showing it', () => {
    const m = makeMasker(['newpass', 'oldpass']);
    const p = planFile(file('pw newpass\n'), { content: 'pw oldpass\n' }, m);
    assert.equal(p.status, 'changed');
    assert.match(p.diff, /only a secret value changed/);
  });
  it('reloads nothing for a mode-only change', () => {
    const p = planFile(file('a\n'), { content: 'a\n', mode: 0o644, owner: 'root', group: 'root' }, mask);
    assert.equal(p.status, 'changed');
    assert.match(p.reason!, /mode 0644 → 0640, owner root:root → root:haproxy/);
    assert.deepEqual(reloadsFor([p]), []);
  });
});

describe('remote output parsing', () => {
  it('parses the facts answer, including files that do not exist', () => {
    const out = `@@os\n${UBUNTU}@@bin\nhaproxy\nkillall\n@@init\nsystemd\n` +
      `@@file 2 640 root haproxy\n${Buffer.from('x y\n').toString('base64')}\n@@end\n`;
    const f = parseFacts(out, ['/a', '/b']);
    assert.equal(f.os.id, 'ubuntu');
    assert.deepEqual([...f.binaries], ['haproxy', 'killall']);
    assert.equal(f.init, 'systemd');
    assert.deepEqual([...f.files], [['/b', { content: 'x y\n', mode: 0o640, owner: 'root', group: 'haproxy' }]]);
    assert.throws(() => parseFacts('@@os\n', []), /incomplete/);
  });
  it('finds the VIP in ip -o addr show', () => {
    const out = '1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet 198.18.0.11/24 brd 198.18.0.255 scope global eth0\n' +
      '2: eth0    inet 198.18.0.100/24 scope global secondary eth0\n';
    assert.deepEqual(parseAddresses(out, ['198.18.0.100', '198.18.0.200']), ['198.18.0.100']);
    assert.deepEqual(parseAddresses(out.replace('198.18.0.100', '198.18.0.1000'), ['198.18.0.100']), []);
  });
  it('a VIP on lo alone (the flow handoff keeps it there on every lb) is not held', () => {
    const lo = '1: lo    inet 198.18.0.100/32 scope global lo\       valid_lft forever preferred_lft forever\n' +
      '1: lo    inet6 fd00::100/128 scope global \       valid_lft forever preferred_lft forever\n';
    const eth = '1570: eth0    inet 198.18.0.100/24 scope global secondary eth0\       valid_lft forever preferred_lft forever\n';
    assert.deepEqual(parseAddresses(lo, ['198.18.0.100', 'fd00::100']), []);
    assert.deepEqual(parseAddresses(lo + eth, ['198.18.0.100', 'fd00::100']), ['198.18.0.100']);
  });
  it('reads VRRP states from a keepalived data dump', () => {
    const dump = '------< VRRP Topology >------\n VRRP Instance = VI_1\n   VRRP Version = 2\n   State = FAULT\n VRRP Instance = VI_2\n' +
      '   State = MASTER\n';
    assert.deepEqual([...parseKeepalivedStates(dump)], [['VI_1', 'FAULT'], ['VI_2', 'MASTER']]);
  });
  it('stages in a directory next to the live file under a name no include glob matches', () => {
    assert.equal(stagingPath('/etc/nginx/conf.d/web01.conf', '0f1e'), '/etc/nginx/conf.d/.halab-0f1e/web01.conf');
  });
});
