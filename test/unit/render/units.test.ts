/**
 * Small pieces of the renderer: secret resolution, the escaping filters, durations, the
 * embedded templates being current, and explain() for hover.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../server/src/engine.js';
import { envSecrets, placeholderSecrets, SecretError } from '../../../server/src/secrets.js';
import { absolutePath, haproxyWord, htmlText, keepalivedString, nginxString, RenderError,
  truncateAuthPass } from '../../../server/src/render/escape.js';
import { haproxyDuration, render, sourceName, checkTrackCommand } from '../../../server/src/render/render.js';
import { explain } from '../../../server/src/render/explain.js';

const root = join(__dirname, '..', '..', '..');

describe('secrets', () => {
  it('envSecrets reads env:NAME and names the variable when it is unset or empty', () => {
    const r = envSecrets({ A: 'x' });
    assert.equal(r({ kind: 'env', name: 'A' }, 'stats password'), 'x');
    assert.equal(r({ kind: 'literal', value: 'lit' }, 'p'), 'lit');
    for (const env of [{}, { HALAB_STATS_PASSWORD: '' }]) {
      const unset = () => envSecrets(env)({ kind: 'env', name: 'HALAB_STATS_PASSWORD' }, 'stats password');
      assert.throws(unset, SecretError);
      assert.throws(unset, { message: /^set HALAB_STATS_PASSWORD\b/, variable: 'HALAB_STATS_PASSWORD' });
    }
  });
  it('envSecrets reads secret:NAME from the store only', () => {
    assert.equal(envSecrets({}, new Map([['s', 'v']]))({ kind: 'secret', name: 's' }, 'x'), 'v');
    // An environment variable of the same name does not stand in for the store.
    const missing = () => envSecrets({ s: 'v' })({ kind: 'secret', name: 's' }, 'x');
    assert.throws(missing, SecretError);
    assert.throws(missing, { message: /^the secret "s" \(x\) is not in the secret store/, variable: 's' });
  });
  it('placeholderSecrets never reveals a value', () => {
    assert.equal(placeholderSecrets({ kind: 'env', name: 'X' }, ''), '<env:X>');
    assert.equal(placeholderSecrets({ kind: 'literal', value: 'hunter2' }, '').includes('hunter2'), false);
  });
});

describe('escaping', () => {
  it('haproxyWord keeps safe words and hex-escapes the rest, one word always', () => {
    assert.equal(haproxyWord('web01.example.com'), 'web01.example.com');
    assert.equal(haproxyWord('a b#c\n'), 'a\\x20b\\x23c\\x0a');
    assert.equal(haproxyWord('é'), '\\xc3\\xa9');
    assert.doesNotMatch(haproxyWord(' \t"\'#\\$;{}\n'), /[\s"'#$;{}]|\\[^x]/);
  });
  it('keepalivedString quotes, with octal escapes for quotes and controls', () => {
    assert.equal(keepalivedString('eth0'), 'eth0');
    assert.equal(keepalivedString('a b'), '"a b"');
    assert.equal(keepalivedString('a"b\'c\\d\ne'), '"a\\042b\\047c\\\\d\\012e"');
    // A lone brace, even quoted, would end keepalived's block (`auth_pass "}"`).
    assert.equal(keepalivedString('}'), '"\\175"');
    assert.equal(keepalivedString('{'), '"\\173"');
    assert.equal(keepalivedString('a}'), '"a}"');
  });
  it('nginxString quotes and refuses $ and control characters', () => {
    assert.equal(nginxString('/srv/www'), '/srv/www');
    assert.equal(nginxString('/srv/a b"c'), '"/srv/a b\\"c"');
    assert.throws(() => nginxString('/srv/$host'), RenderError);
    assert.throws(() => nginxString('/srv/a\nb'), RenderError);
  });
  it('htmlText and absolutePath', () => {
    assert.equal(htmlText(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    assert.equal(absolutePath('/srv//www/', 'root'), '/srv/www');
    assert.throws(() => absolutePath('/srv/../etc', 'root'), RenderError);
    assert.throws(() => absolutePath('srv', 'root'), RenderError);
  });
});

describe('render helpers', () => {
  it('durations use the largest exact unit', () => {
    assert.deepEqual([500, 2000, 60_000, 90_000, 3_600_000].map(haproxyDuration), ['500ms', '2s', '1m', '90s', '1h']);
  });
  it('auth_pass is cut to what keepalived reads without warning (8 bytes as written)', () => {
    assert.equal(truncateAuthPass('NzUwYmY1Y2FhM2IzMjE1OThiNjcyYzFl'), 'NzUwYmY1');
    assert.equal(truncateAuthPass('ab"cdefgh'), 'ab"cd'); // ab\042cd: 8 bytes as written
    assert.equal(truncateAuthPass('short'), 'short');
  });
  it('a track-command with an unbalanced quote is refused', () => {
    assert.doesNotThrow(() => checkTrackCommand("/bin/sh -c 'pidof haproxy'"));
    assert.throws(() => checkTrackCommand("/bin/sh -c 'pidof haproxy"), RenderError);
  });
  it('headers name only the source file, and only a short plain name', () => {
    assert.equal(sourceName('/home/u/labs/lab.halab'), 'lab.halab');
    assert.equal(sourceName('file:///c%3A/x/my-lab.halab'), 'my-lab.halab');
    assert.equal(sourceName(undefined), undefined);
    // Spaces, decoded `/` and `#`, control characters, or more than 64 characters: left out.
    for (const odd of ['file:///x/my%20lab.halab', '/x/a%2Fb.halab', '/x/a%23b.halab', '/x/a\u0001.halab', `/x/${'a'.repeat(65)}`]) {
      assert.equal(sourceName(odd), undefined, odd);
    }
  });
});

describe('the default firewall follows each host\'s OS family', () => {
  const text = (fw: string) => `topology t
vip 198.18.0.100/24 { router-id 51 }
lb lb1 { address 198.18.0.11; role primary; os debian }
lb lb2 { address 198.18.0.12; role backup; os rocky }
upstream web1 { address 198.18.0.21; os ubuntu }
upstream web2 { address 198.18.0.22 }
site s1 { host a.example.com; servers web1 web2 }
${fw}`;
  const firewallFiles = (fw: string) =>
    render(analyze(text(fw)).model, { secrets: envSecrets({}) })
      .files.filter((f) => f.path.startsWith('/etc/halab/firewall.'))
      .map((f) => `${f.host} ${f.path}`);
  it('without a firewall line: nftables on Debian/Ubuntu, firewalld on the RHEL family (the default, almalinux)', () => {
    // A Debian host has no firewall-cmd: the old topology-wide firewalld default failed at apply.
    assert.deepEqual(firewallFiles(''),
      ['lb1 /etc/halab/firewall.nft', 'lb2 /etc/halab/firewall.sh', 'web1 /etc/halab/firewall.nft', 'web2 /etc/halab/firewall.sh']);
    assert.deepEqual(firewallFiles('firewall auto\n'), firewallFiles(''));
  });
  it('an explicit kind applies to every host', () => {
    assert.deepEqual(firewallFiles('firewall firewalld\n'), ['lb1', 'lb2', 'web1', 'web2'].map((h) => `${h} /etc/halab/firewall.sh`));
    assert.deepEqual(firewallFiles('firewall nftables\n'), ['lb1', 'lb2', 'web1', 'web2'].map((h) => `${h} /etc/halab/firewall.nft`));
    assert.deepEqual(firewallFiles('firewall none\n'), []);
  });
});

describe('files', () => {
  const src = join(root, 'examples', 'lab.halab');
  const a = analyze(readFileSync(src, 'utf8'), src);
  it('modes, owners, reloads and validators per file', () => {
    const files = render(a.model, { secrets: envSecrets({ HALAB_STATS_PASSWORD: 'p', HALAB_VRRP_AUTH: 'v' }) }).files;
    const f = (host: string, path: string) => files.find((x) => x.host === host && x.path === path)!;
    assert.deepEqual(
      (({ mode, owner, group, reload, secret }) => ({ mode, owner, group, reload, secret }))(f('lb1', '/etc/haproxy/haproxy.cfg')),
      { mode: 0o640, owner: 'root', group: 'haproxy', reload: ['haproxy'], secret: true },
    );
    assert.equal(f('lb1', '/etc/keepalived/keepalived.conf').mode, 0o600);
    assert.equal(f('lb1', '/etc/keepalived/keepalived.conf').validate, 'keepalived -t -f {}');
    assert.equal(f('lb2', '/etc/sysctl.d/90-halab-nonlocal-bind.conf').apply, 'sysctl');
    assert.equal(f('web1', '/usr/share/nginx/web01/index.html').mode, 0o644);
    assert.deepEqual(f('web1', '/usr/share/nginx/web01/index.html').reload, []);
    assert.deepEqual(f('web2', '/etc/nginx/conf.d/web02.conf').reload, ['nginx']);
    // Every file starts with the generated-by header naming the source (after the #! line of a script).
    for (const x of files) assert.match(x.content.split('\n')[x.content.startsWith('#!') ? 1 : 0]!,
      /Generated by halab from lab\.halab \(topology /);
    // Debian: the admin socket where Debian's package puts it.
    assert.match(f('lb1', '/etc/haproxy/haproxy.cfg').content, /^ {4}stats socket \/run\/haproxy\/admin\.sock mode 660 level admin$/m);
  });
  it('a stats page without a resolvable password is refused, never defaulted', () => {
    assert.throws(() => render(a.model, { secrets: envSecrets({ HALAB_VRRP_AUTH: 'v' }) }), /HALAB_STATS_PASSWORD/);
  });
  it('explain() gives the lines of each statement, with placeholders', () => {
    const site = explain(a.model, { kind: 'site', name: 'web02' });
    assert.ok(site.some((e) => e.path === '/etc/haproxy/haproxy.cfg' && e.lines.includes('backend web02')
      && e.lines.some((l) => l.includes('use_backend web02'))));
    assert.ok(site.some((e) => e.path === '/etc/nginx/conf.d/web02.conf'));
    const stats = explain(a.model, { kind: 'stats', name: '' });
    assert.equal(stats.length, 2);
    assert.ok(stats[0]!.lines.includes('    stats auth admin:<env:HALAB_STATS_PASSWORD>'));
    const vip = explain(a.model, { kind: 'vip', name: '198.18.0.100/24' });
    assert.ok(vip.some((e) => e.lines.includes('vrrp_instance VI_51 {') && e.lines.includes('        auth_pass "<env:HALAB_VRRP_AUTH>"')));
    assert.ok(explain(a.model, { kind: 'lb', name: 'lb2' }).some((e) => e.lines.includes('    state BACKUP')));
    assert.ok(explain(a.model, { kind: 'upstream', name: 'web1' })
      .some((e) => e.lines.some((l) => l.startsWith('    server web1 198.18.0.21:80'))));
    assert.deepEqual(explain(a.model, { kind: 'site', name: 'nope' }), []);
  });
});

describe('templates', () => {
  it('server/src/render/templates.gen.ts is up to date with templates/*.njk', () => {
    execFileSync(process.execPath, [join(root, 'templates', 'compile.mjs'), '--check'], { stdio: 'pipe' });
  });
});

describe('keepalived scheduling', () => {
  it('sub-second adverts get real-time scheduling for the VRRP process; whole seconds do not', () => {
    const text = readFileSync(new URL('../../../examples/lab.halab', import.meta.url), 'utf8');
    const conf = (t: string) =>
      render(analyze(t, 'lab.halab').model, { secrets: envSecrets({ HALAB_STATS_PASSWORD: 'p', HALAB_VRRP_AUTH: 'v' }) }).files.find(
        (f) => f.host === 'lb1' && f.path === '/etc/keepalived/keepalived.conf',
      )!.content;
    assert.doesNotMatch(conf(text), /vrrp_rt_priority/);
    const v3 = text.replace('  auth env:HALAB_VRRP_AUTH\n', '  vrrp-version 3\n  advert 40ms\n');
    assert.match(conf(v3), /^ {4}vrrp_rt_priority 50$/m);
    assert.match(conf(v3), /^ {4}advert_int 0\.04$/m);
  });
});
