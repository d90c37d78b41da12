/**
 * THE schema table (§3 of the contract): every block, keyword, argument type, default and doc.
 * Completion, hover, validation, the resolver's defaults and docs/language.md are all driven from
 * here. To add a keyword: add an entry below, then read it in model/resolve.ts.
 */

// The enumerated values and the name rule are shared with the webview, so they are declared in
// shared/model/values.ts; the ENUM arguments below list them, and engine code imports them from here.
import { advertCostTable } from '../model/vrrp-timing.js';
import { PASS_SECTIONS, type PassSection } from './pass-through.js';
import {
  BALANCES, CHECK_KINDS, FAULT_KINDS, FIREWALLS, HAPROXY_SECTION_KINDS, KEEPALIVED_SECTION_KINDS, LAB_HOST_KINDS, NAME_RE, OS_VALUES, ROLES,
  TCP_BALANCES, TIMEOUT_KINDS, TRACKS, VRRP_VERSIONS,
} from '../../../shared/model/values.js';
export { BALANCES, CHECK_KINDS, FAULT_KINDS, FIREWALLS, NAME_RE, OS_VALUES, ROLES, TCP_BALANCES, TIMEOUT_KINDS, TRACKS, VRRP_VERSIONS };
const ON_OFF = ['on', 'off'] as const;
const YES_NO = ['yes', 'no'] as const;

export type ArgType =
  | 'name' | 'ip' | 'cidr' | 'vip-ref' | 'host' | 'dnsname' | 'port' | 'int' | 'duration'
  | 'secret' | 'enum' | 'ssh' | 'path' | 'url-path' | 'text' | 'command' | 'iface' | 'user'
  | 'upstream-ref' | 'stats-uri' | 'pass-line' | 'tcp-payload' | 'section-name';

export interface ArgSpec {
  /** Placeholder shown in docs and snippets. */
  label: string;
  type: ArgType;
  /** `int`: the smallest value; `text`: the shortest length. */
  min?: number;
  max?: number;
  values?: readonly string[];
  /** `pass-line`: the section of the rendered file the line goes into (schema/pass-through.ts). */
  section?: PassSection;
}

export interface KeywordSpec {
  keyword: string;
  /** Positional arguments. */
  args: readonly ArgSpec[];
  /** A trailing argument that may repeat (`host DNSNAME+`), at least once when `rest` is set. */
  rest?: ArgSpec;
  /** The child block's id, when the keyword opens a `{ … }` block. */
  block?: string;
  required?: boolean;
  /** May appear several times (else a repeat is `duplicate-statement`). */
  repeatable?: boolean;
  /**
   * The default, written as in a .halab file (repeats separated by `, `). Hover and the docs show
   * it; the resolver parses it with this keyword's own argument types (schema/defaults.ts) and
   * falls back to it, so the shown and the used value cannot differ.
   */
  default?: string;
  /**
   * The default depends on other statements (the lb's role, the address, the site's name):
   * `default` then only describes it, and the resolver computes it.
   */
  derivedDefault?: true;
  /** What it means. One or two sentences, Markdown. */
  doc: string;
  /** What it becomes in keepalived / haproxy / nginx. */
  renders?: string;
  /** Text inserted by the `missing-required` quick fix and completion (a VS Code snippet). */
  snippet?: string;
}

export interface BlockSpec {
  id: string;
  title: string;
  keywords: readonly KeywordSpec[];
}

const DURATION = (label = 'DURATION'): ArgSpec => ({ label, type: 'duration' });
const INT = (min: number, max: number, label = 'INT'): ArgSpec => ({ label, type: 'int', min, max });
const ENUM = (values: readonly string[], label = values.join('|')): ArgSpec => ({ label, type: 'enum', values });
const OS = ENUM(OS_VALUES, 'OS');

/** Health check timing: the same for a site's HTTP checks and a service's TCP checks. */
const CHECK_TIMING: readonly KeywordSpec[] = [
  { keyword: 'check-interval', args: [DURATION()], default: '2s',
    doc: 'Time between health checks of a healthy server. Servers in transition or DOWN are checked every 500 ms (or this interval, ' +
      'if shorter), so a recovered server is UP again within about a second.',
    renders: 'haproxy: `inter`, plus `fastinter`/`downinter`.' },
  { keyword: 'check-fall', args: [INT(1, 100)], default: '3',
    doc: 'Failed checks before a server is DOWN.', renders: 'haproxy: `fall`.' },
  { keyword: 'check-rise', args: [INT(1, 100)], default: '2',
    doc: 'Passed checks before a server is UP again.', renders: 'haproxy: `rise`.' },
];

/** A pass-through statement: one directive line for one section of a rendered file. */
function PASS(keyword: string, section: PassSection, where: string): KeywordSpec {
  const s = PASS_SECTIONS[section];
  return {
    keyword, args: [{ label: 'STRING', type: 'pass-line', section }], repeatable: true,
    doc: `One ${s.daemon} directive, copied as-is into ${where} (pass-through, for what the language does not model), ` +
      `e.g. \`${keyword} ${s.example}\`. One line; it cannot open a section or close the enclosing one. Repeat the statement for ` +
      `more lines; they keep their order. \`${s.daemon === 'haproxy' ? 'haproxy -c' : 'keepalived -t'}\` judges it when the file is ` +
      `rendered and deployed (completion knows the directives of ${s.daemon} ${s.version}).`,
    renders: `${s.daemon}: a line in \`${s.section}\`.`,
    snippet: `${keyword} "\${1}"`,
  };
}

export const OS_KEYWORD: KeywordSpec = {
  keyword: 'os', args: [OS], default: 'almalinux',
  doc: 'The host\'s distribution. It chooses file paths, service names and the package manager ' +
    '(dnf on AlmaLinux/RHEL/Rocky, apt on Debian/Ubuntu).',
};
const SSH_KEYWORD: KeywordSpec = {
  keyword: 'ssh', args: [{ label: 'USER@HOST:PORT', type: 'ssh' }], default: 'root@ADDRESS:22', derivedDefault: true,
  doc: 'How halab reaches the host for deploy and failover tests. `~/.ssh/config` and ssh-agent are consulted too.',
};
const KEY_KEYWORD: KeywordSpec = {
  keyword: 'key', args: [{ label: 'PATH', type: 'path' }],
  doc: 'Private key file for SSH. Without it halab uses ssh-agent, `IdentityFile` from ~/.ssh/config, and the lab key for a local lab.',
};

export const BLOCKS: Record<string, BlockSpec> = {
  file: {
    id: 'file', title: 'top level',
    keywords: [
      { keyword: 'topology', args: [{ label: 'NAME', type: 'name' }], required: true,
        doc: 'Names the topology. Exactly one per file.', snippet: 'topology ${1:name}' },
      { keyword: 'vip', args: [{ label: 'CIDR', type: 'cidr' }], block: 'vip', required: true, repeatable: true,
        doc: 'A virtual IP held by Keepalived (one VRRP instance). The prefix must contain the lbs\' addresses: VRRP needs one L2 segment.',
        renders: 'keepalived: a `vrrp_instance` with `virtual_ipaddress { ADDRESS/PREFIX }`; haproxy: the address the sites bind on.',
        snippet: 'vip ${1:198.18.0.100/24} {\n\trouter-id ${2:51}\n}' },
      { keyword: 'lb', args: [{ label: 'NAME', type: 'name' }], block: 'lb', required: true, repeatable: true,
        doc: 'A load balancer host running HAProxy and Keepalived. Two or more; exactly one primary.',
        renders: 'one haproxy.cfg, keepalived.conf, sysctl.d file and firewall rules on this host.',
        snippet: 'lb ${1:lb1} {\n\taddress ${2:198.18.0.11}\n\trole ${3|' + ROLES.join(',') + '|}\n}' },
      { keyword: 'upstream', args: [{ label: 'NAME', type: 'name' }], block: 'upstream', repeatable: true,
        doc: 'A web server behind the load balancers (a server of a site or a service).',
        renders: 'haproxy: a `server` line in the backend of every site that lists it; nginx: a vhost per site when managed.',
        snippet: 'upstream ${1:web1} {\n\taddress ${2:198.18.0.21}\n}' },
      { keyword: 'site', args: [{ label: 'NAME', type: 'name' }], block: 'site', repeatable: true,
        doc: 'A Host-header route: requests for its `host` names go to its `servers`. A topology may have only TCP services, ' +
          'or only sections kept whole (`haproxy-section`), and no site.',
        renders: 'haproxy: an `acl` + `use_backend` in the frontend and a `backend NAME`; nginx: a server block and test page.',
        snippet: 'site ${1:web} {\n\thost ${2:www.example.com}\n\tservers ${3:web1}\n}' },
      { keyword: 'service', args: [{ label: 'NAME', type: 'name' }], block: 'service', repeatable: true,
        doc: 'A TCP service (a database, mail, anything not HTTP): HAProxy balances TCP connections to its port on a vip over its ' +
          'servers, with TCP or send/expect health checks. The failover test probes it too. Sites and services share one namespace ' +
          '(both are HAProxy proxies).',
        renders: 'haproxy: `listen NAME` with `mode tcp`, `bind VIP:PORT`, `balance`, `tcp-check` lines and a `server` line per upstream.',
        snippet: 'service ${1:db} {\n\tlisten ${2:5432}\n\tservers ${3:db1}\n}' },
      { keyword: 'stats', args: [], block: 'stats',
        doc: 'HAProxy\'s statistics page, on the vip.',
        renders: 'haproxy: `listen halab.stats` with `stats enable`, `stats uri`, `stats auth`.',
        snippet: 'stats {\n\tlisten ${1:8080}\n\tpassword env:${2:HALAB_STATS_PASSWORD}\n}' },
      { keyword: 'defaults', args: [], block: 'defaults',
        doc: 'HAProxy `defaults` section values.', snippet: 'defaults {\n\t$0\n}' },
      { keyword: 'firewall', args: [ENUM(FIREWALLS)], default: 'auto',
        doc: 'Which firewall rules to render for the lbs: HTTP/HTTPS, the stats port and VRRP (IP protocol 112); and HTTP on managed ' +
          'upstreams. `auto` follows each host\'s `os`: firewalld on AlmaLinux/RHEL/Rocky, nftables on Debian/Ubuntu (what each family ' +
          'has installed).',
        renders: '`/etc/halab/firewall.sh` (firewall-cmd calls) for firewalld, `/etc/halab/firewall.nft` (its own `table inet halab`) ' +
          'for nftables, nothing for `none`.' },
      { keyword: 'failover-test', args: [], block: 'failover-test',
        doc: 'Parameters of `halab failover-test`.', snippet: 'failover-test {\n\tfault ${1|' + FAULT_KINDS.join(',') + '|}\n}' },
      { keyword: 'lab', args: [], block: 'lab',
        doc: 'Settings for the local lab (`halab lab up`) only.', snippet: 'lab {\n\tbridge ${1:halab0}\n}' },
      PASS('haproxy', 'haproxy-global', 'HAProxy\'s `global` section on every lb'),
      { keyword: 'haproxy-section', args: [ENUM(HAPROXY_SECTION_KINDS, 'KIND'), { label: 'NAME', type: 'section-name' }],
        block: 'haproxy-section', repeatable: true,
        doc: 'A whole HAProxy section halab has no block for, written line by line: a frontend, backend or listen that is not a ' +
          'site or a service (path routing, a TCP frontend), or a `userlist`, `peers`, `resolvers`, … (`halab import` writes these ' +
          'for the configs it takes in). halab opens and closes the section; each `haproxy "…"` inside is one directive.',
        renders: 'haproxy: `KIND NAME` and its lines, after the sites and services, on every lb.',
        snippet: 'haproxy-section ${1|' + HAPROXY_SECTION_KINDS.join(',') + '|} ${2:name} {\n\thaproxy "${3}"\n}' },
      { keyword: 'keepalived-section', args: [ENUM(KEEPALIVED_SECTION_KINDS, 'KIND'), { label: 'NAME', type: 'section-name' }],
        block: 'keepalived-section', repeatable: true,
        doc: 'A whole keepalived block halab has no statement for (a `vrrp_sync_group` of the vips\' instances, a `vrrp_script` or ' +
          'track file of your own), written line by line; each `keepalived "…"` inside is one line of it.',
        renders: 'keepalived: `KIND NAME { … }` after the vrrp_instances, on every lb.',
        snippet: 'keepalived-section ${1|' + KEEPALIVED_SECTION_KINDS.join(',') + '|} ${2:name} {\n\tkeepalived "${3}"\n}' },
      PASS('keepalived', 'keepalived-global', 'keepalived\'s `global_defs` on every lb'),
    ],
  },
  vip: {
    id: 'vip', title: 'vip',
    keywords: [
      { keyword: 'interface', args: [{ label: 'IFACE', type: 'iface' }], default: 'eth0',
        doc: 'The NIC that carries the VIP on the lb hosts; an lb may override it.', renders: 'keepalived: `interface`.' },
      { keyword: 'router-id', args: [INT(1, 255)], required: true,
        doc: 'The VRRP virtual router id, unique on the L2 segment and across vips.', renders: 'keepalived: `virtual_router_id`.',
        snippet: 'router-id ${1:51}' },
      { keyword: 'advert', args: [DURATION()], default: '1s',
        doc: `VRRP advertisement interval. Below 1s needs \`vrrp-version 3\`. The backup declares a silent master (link down, host lost) ` +
          `dead after 3 × advert + skew: ${advertCostTable()}. A crash of haproxy or a stopped keepalived is faster whatever the ` +
          `advert: the lb says so (FAULT, a priority-0 advert) and the backup waits only its skew.`,
        renders: 'keepalived: `advert_int`.' },
      { keyword: 'vrrp-version', args: [ENUM(VRRP_VERSIONS)], default: '2',
        doc: `VRRP protocol version. Version 3 allows sub-second adverts (centiseconds) but has no authentication. What a silent primary ` +
          `costs: ${advertCostTable()}.`,
        renders: 'keepalived: `version 3` in the `vrrp_instance`.' },
      { keyword: 'auth', args: [{ label: 'SECRET', type: 'secret' }],
        doc: 'VRRPv2 PASS authentication. Keepalived uses only the first 8 characters. Use `env:NAME`.',
        renders: 'keepalived: `authentication { auth_type PASS; auth_pass … }`.' },
      { keyword: 'unicast', args: [],
        doc: 'Send adverts to the other lbs\' addresses instead of multicast 224.0.0.18 (for clouds and networks that drop multicast).',
        renders: 'keepalived: `unicast_src_ip` and `unicast_peer { … }`.' },
      { keyword: 'preempt', args: [ENUM(ON_OFF)], default: 'on',
        doc: 'Whether the primary takes the VIP back when it returns.',
        renders: 'keepalived: `nopreempt` when off (with state BACKUP on every node, as keepalived requires).' },
      { keyword: 'preempt-delay', args: [DURATION()],
        doc: 'Wait this long before a returning primary takes the VIP back.', renders: 'keepalived: `preempt_delay`.' },
      { keyword: 'handoff', args: [ENUM(ON_OFF)], default: 'on',
        doc: 'Flow handoff: when the VIP moves, the connections the lb that held it is still serving keep working instead of ' +
          'being reset (so a failback, or stopping keepalived on a healthy lb, fails no request). Each lb holds the VIP on `lo` too, ' +
          'answering ARP for it only while it holds it on the interface; a packet of a connection the VIP\'s holder does not know is ' +
          'copied to the other lbs (nftables `dup`), and the one serving it answers. Needs nft on the lbs and the lbs on one link. ' +
          '`off`: a moved VIP resets the connections in flight.',
        renders: '/etc/halab/handoff.nft (`table ip halab_handoff`), the VIP on `lo` (halab-watch\'s init script), and ' +
          '`arp_ignore 1` / `arp_announce 2` on the VIP\'s interface (sysctl).' },
      { keyword: 'track', args: [ENUM(TRACKS)], default: 'process; watcher in a topology with a `lab` block', derivedDefault: true,
        doc: 'How keepalived learns that haproxy died. `process`: keepalived `track_process` (weight 0: FAULT at once, ~advert + skew); ' +
          'needs the kernel\'s process-event connector, which a container or the local lab (own PID namespace) lacks. `watcher`: ' +
          'halab-watch, installed on the lb by the deploy, holds a connection to haproxy\'s stats socket and tells keepalived through a ' +
          '`track_file` the moment it closes (a crash costs ~30 ms: the backup\'s skew); works everywhere perl-base does. `script`: a ' +
          '`vrrp_script` polled every `track-interval` (whole seconds: a crash goes unseen up to that long). With every choice, ' +
          'halab-watch also keeps an lb whose HAProxy has a backend with no server UP from taking or keeping the VIP while a peer can ' +
          'serve, so a failback waits for the servers.',
        renders: 'keepalived: `vrrp_track_process`, `track_file halab_haproxy_down` (+ /usr/local/sbin/halab-watch, ' +
          '/etc/init.d/halab-watch) or `vrrp_script` + `track_script`; always `track_file halab_upstreams_down`.' },
      { keyword: 'track-interval', args: [DURATION()], default: '1s',
        doc: 'With `track script`: how often the check runs. Keepalived takes whole seconds, so a crash can go unseen for up to this ' +
          'long; for sub-second detection poll inside `track-command` (examples/lab.halab looks six times, 100 ms apart, per run).',
        renders: 'keepalived: `interval` in `vrrp_script`.' },
      { keyword: 'track-weight', args: [INT(-253, 253)], default: '0',
        doc: 'With `track script`: the priority change on failure. 0 puts the node in FAULT (the fast way); the seed used 2.',
        renders: 'keepalived: `weight` in `vrrp_script`.' },
      { keyword: 'track-command', args: [{ label: 'STRING', type: 'command' }], default: '"/usr/bin/killall -0 haproxy"',
        doc: 'With `track script`: the command whose failure means haproxy is down.', renders: 'keepalived: `script` in `vrrp_script`.' },
      { keyword: 'instance', args: [{ label: 'NAME', type: 'section-name' }], default: 'VI_ROUTER-ID', derivedDefault: true,
        doc: 'The name of this vip\'s `vrrp_instance` (keepalived\'s logs, notify scripts and sync groups say it). `halab import` ' +
          'keeps the name the input had.',
        renders: 'keepalived: `vrrp_instance NAME`.' },
      PASS('keepalived', 'keepalived-instance', 'this vip\'s `vrrp_instance` on every lb'),
    ],
  },
  'haproxy-section': {
    id: 'haproxy-section', title: 'haproxy-section',
    keywords: [PASS('haproxy', 'haproxy-section', 'this section on every lb')],
  },
  'keepalived-section': {
    id: 'keepalived-section', title: 'keepalived-section',
    keywords: [PASS('keepalived', 'keepalived-section', 'this block on every lb')],
  },
  lb: {
    id: 'lb', title: 'lb',
    keywords: [
      { keyword: 'address', args: [{ label: 'IP', type: 'ip' }], required: true,
        doc: 'The host\'s own address, inside the vip\'s prefix.', snippet: 'address ${1:198.18.0.11}' },
      { keyword: 'role', args: [ENUM(ROLES)], required: true,
        doc: 'Exactly one lb is the primary; it holds the VIP while healthy.', renders: 'keepalived: `state MASTER` or `state BACKUP`.',
        snippet: 'role ${1|' + ROLES.join(',') + '|}' },
      { keyword: 'priority', args: [INT(1, 254)], default: 'primary 250, backups 249, 248, … in file order', derivedDefault: true,
        doc: 'VRRP priority. High values keep the backup\'s takeover skew short: (256 − priority)/256 s.',
        renders: 'keepalived: `priority`.' },
      { keyword: 'interface', args: [{ label: 'IFACE', type: 'iface' }],
        doc: 'Overrides the vips\' interface on this host.', renders: 'keepalived: `interface`.' },
      SSH_KEYWORD, KEY_KEYWORD, OS_KEYWORD,
    ],
  },
  upstream: {
    id: 'upstream', title: 'upstream',
    keywords: [
      { keyword: 'address', args: [{ label: 'HOST', type: 'host' }], required: true,
        doc: 'The web server\'s address or DNS name.', snippet: 'address ${1:198.18.0.21}' },
      { keyword: 'port', args: [{ label: 'PORT', type: 'port' }], default: '80',
        doc: 'The port HAProxy connects to.', renders: 'haproxy: `server NAME ADDRESS:PORT`; nginx: `listen PORT`.' },
      { keyword: 'weight', args: [INT(0, 256)], default: '100',
        doc: 'HAProxy server weight; 0 takes no new traffic.', renders: 'haproxy: `weight`.' },
      { keyword: 'backup', args: [],
        doc: 'Only used when all non-backup servers are down.', renders: 'haproxy: `backup` on the server line.' },
      SSH_KEYWORD, KEY_KEYWORD, OS_KEYWORD,
      { keyword: 'managed', args: [ENUM(YES_NO)], default: 'yes',
        doc: '`yes`: halab renders and deploys nginx vhosts and test pages to this host. `no`: it is only a server line in HAProxy.' },
      PASS('haproxy', 'haproxy-server', 'the end of this upstream\'s `server` line in every site and service that lists it'),
    ],
  },
  site: {
    id: 'site', title: 'site',
    keywords: [
      { keyword: 'host', args: [], rest: { label: 'DNSNAME', type: 'dnsname' }, repeatable: true, required: true,
        doc: 'Host names routed to this site (one or more; `*.example.com` allowed). Matching ignores case and a `:port` suffix.',
        renders: 'haproxy: `acl` on the Host header; nginx: `server_name`.', snippet: 'host ${1:www.example.com}' },
      { keyword: 'servers', args: [], rest: { label: 'UPSTREAM', type: 'upstream-ref' }, required: true,
        doc: 'The upstreams serving this site.', renders: 'haproxy: the `server` lines of `backend NAME`.', snippet: 'servers ${1:web1}' },
      { keyword: 'balance', args: [ENUM(BALANCES)], default: 'roundrobin',
        doc: 'HAProxy load-balancing algorithm.', renders: 'haproxy: `balance`.' },
      { keyword: 'listen', args: [{ label: 'PORT', type: 'port' }], default: '80',
        doc: 'The port the site listens on, on its vip.', renders: 'haproxy: `bind VIP:PORT`.' },
      { keyword: 'vip', args: [{ label: 'VIP', type: 'vip-ref' }], default: 'the first vip', derivedDefault: true,
        doc: 'Which vip the site binds on (the address, with or without prefix).' },
      { keyword: 'tls', args: [{ label: 'PATH', type: 'path' }],
        doc: 'PEM (certificate + key) on the lbs. The site binds 443 with it and redirects port 80 to 443.',
        renders: 'haproxy: `bind VIP:443 ssl crt PATH` and a redirect.' },
      { keyword: 'check', args: [ENUM(CHECK_KINDS)], default: 'http',
        doc: 'Health check kind.', renders: 'haproxy: `option httpchk` + `http-check expect status`, or a TCP connect check.' },
      { keyword: 'check-path', args: [{ label: 'PATH', type: 'url-path' }], default: '/',
        doc: 'Path (and query) requested by the HTTP health check.' },
      { keyword: 'check-expect', args: [INT(100, 599)], default: '200', doc: 'Expected HTTP status of the health check.' },
      ...CHECK_TIMING,
      { keyword: 'root', args: [{ label: 'PATH', type: 'path' }], default: '/usr/share/nginx/NAME', derivedDefault: true,
        doc: 'Document root on managed upstreams.', renders: 'nginx: `root`.' },
      { keyword: 'page', args: [{ label: 'STRING', type: 'text' }], default: '"NAME test page"', derivedDefault: true,
        doc: 'Content of the test page on managed upstreams (HTML-escaped).' },
      { keyword: 'default', args: [],
        doc: 'Requests whose Host matches no site go here. At most one site.', renders: 'haproxy: `default_backend`.' },
      PASS('frontend', 'haproxy-frontend', 'the HAProxy frontend this site listens on (shared by every site on that vip and port: ' +
        'limit a rule to this site with `if host_NAME`, the ACL of its host names), before the routing to the backends'),
      PASS('backend', 'haproxy-backend', 'this site\'s HAProxy backend (`backend NAME`), before its server lines'),
    ],
  },
  service: {
    id: 'service', title: 'service',
    keywords: [
      { keyword: 'listen', args: [{ label: 'PORT', type: 'port' }], required: true,
        doc: 'The port the service listens on, on its vip.', renders: 'haproxy: `bind VIP:PORT`.', snippet: 'listen ${1:5432}' },
      { keyword: 'servers', args: [], rest: { label: 'UPSTREAM', type: 'upstream-ref' }, required: true,
        doc: 'The upstreams serving this service.', renders: 'haproxy: the `server` lines of `listen NAME`.', snippet: 'servers ${1:db1}' },
      { keyword: 'port', args: [{ label: 'PORT', type: 'port' }], default: 'the listen port', derivedDefault: true,
        doc: 'The port on the servers (the upstreams\' own `port` is their HTTP port for sites).',
        renders: 'haproxy: `server NAME ADDRESS:PORT`.' },
      { keyword: 'vip', args: [{ label: 'VIP', type: 'vip-ref' }], default: 'the first vip', derivedDefault: true,
        doc: 'Which vip the service binds on (the address, with or without prefix).' },
      { keyword: 'balance', args: [ENUM(TCP_BALANCES)], default: 'roundrobin',
        doc: 'HAProxy load-balancing algorithm for connections.', renders: 'haproxy: `balance`.' },
      { keyword: 'check-send', args: [{ label: 'STRING', type: 'tcp-payload' }],
        doc: 'Sent by the health check after it connects, each line ended by CRLF (`\\n` in the string starts a new line: ' +
          '`"HEAD / HTTP/1.0\\n"` ends with an empty line). The failover test\'s probe sends it too.',
        renders: 'haproxy: `tcp-check send` (with `\\r\\n` line ends).' },
      { keyword: 'check-expect', args: [{ label: 'STRING', type: 'text', min: 1 }],
        doc: 'Text the answer must contain: a banner (`"220 "`, `"SSH-2.0"`) when nothing is sent, else the reply. Without it the ' +
          'check and the probe only connect.',
        renders: 'haproxy: `tcp-check expect string`.' },
      ...CHECK_TIMING,
      PASS('haproxy', 'haproxy-listen', 'the service\'s HAProxy `listen` section, before its server lines'),
    ],
  },
  stats: {
    id: 'stats', title: 'stats',
    keywords: [
      { keyword: 'listen', args: [{ label: 'PORT', type: 'port' }], default: '8080',
        doc: 'Port of the stats page, on the first vip.', renders: 'haproxy: `bind VIP:PORT` in `listen stats`.' },
      { keyword: 'uri', args: [{ label: 'PATH', type: 'stats-uri' }], default: '/',
        doc: 'URI of the stats page.', renders: 'haproxy: `stats uri`.' },
      { keyword: 'user', args: [{ label: 'USER', type: 'user' }], default: 'admin',
        doc: 'User name for the stats page.', renders: 'haproxy: `stats auth USER:PASSWORD`.' },
      { keyword: 'password', args: [{ label: 'SECRET', type: 'secret' }], required: true,
        doc: 'Password for the stats page; required. Use `env:NAME` or `secret:NAME`, never a literal.',
        renders: 'haproxy: `stats auth USER:PASSWORD`.',
        snippet: 'password env:${1:HALAB_STATS_PASSWORD}' },
      { keyword: 'realm', args: [{ label: 'STRING', type: 'text', min: 1 }], default: '"HAProxy Statistics"',
        doc: 'The HTTP auth realm.', renders: 'haproxy: `stats realm`.' },
      PASS('haproxy', 'haproxy-listen', 'the stats page\'s `listen` section on every lb (`stats refresh 30s`, `stats admin if …`)'),
    ],
  },
  defaults: {
    id: 'defaults', title: 'defaults',
    keywords: [
      { keyword: 'maxconn', args: [INT(1, 1_000_000)], default: '3000',
        doc: 'Maximum concurrent connections per frontend.', renders: 'haproxy: `maxconn` in `defaults`.' },
      { keyword: 'retries', args: [INT(0, 100)], default: '3',
        doc: 'Connection retries to a server before giving up.', renders: 'haproxy: `retries`.' },
      { keyword: 'redispatch', args: [ENUM(ON_OFF)], default: 'on',
        doc: 'Retry on another server when one fails.', renders: 'haproxy: `option redispatch`.' },
      { keyword: 'timeout', args: [ENUM(TIMEOUT_KINDS, 'KIND'), DURATION()], repeatable: true,
        default: 'connect 10s, client 1m, server 1m, http-request 10s, queue 1m, http-keep-alive 10s, check 10s',
        doc: 'HAProxy timeouts (the defaults are the seed\'s).', renders: 'haproxy: `timeout KIND DURATION`.' },
      PASS('haproxy', 'haproxy-defaults', 'HAProxy\'s `defaults` section'),
    ],
  },
  'failover-test': {
    id: 'failover-test', title: 'failover-test',
    keywords: [
      { keyword: 'fault', args: [ENUM(FAULT_KINDS)], default: 'kill-haproxy',
        doc: 'The fault injected on the lb holding the VIP (block-vrrp: on the backup; kill-upstream: on one upstream).' },
      { keyword: 'probe-interval', args: [DURATION()], default: '5ms',
        doc: 'Time between probe requests to each site. Each edge of an outage lies between two requests, so the outage is known to ± ' +
          'this (the report states the resolution it reached).' },
      { keyword: 'duration', args: [DURATION()], default: '15s', doc: 'How long the probe runs in all (bounded).' },
      { keyword: 'max-outage', args: [DURATION()], default: '1s', doc: 'The verdict fails when clients saw errors for longer than this.' },
    ],
  },
  lab: {
    id: 'lab', title: 'lab',
    keywords: [
      { keyword: 'bridge', args: [{ label: 'WORD', type: 'iface' }], default: 'halab0',
        doc: 'The Linux bridge joining the lab\'s hosts.' },
      { keyword: 'hosts', args: [ENUM(LAB_HOST_KINDS)], default: 'namespaces',
        doc: 'What each lb and managed upstream of the lab is. `namespaces`: a network namespace running this machine\'s own ' +
          'haproxy, keepalived and nginx, without an init system (starts in a second; the default). `machines`: a booted ' +
          'systemd-nspawn machine with its own Debian root (one cached base, an overlay per host), systemd, sshd and the lab key — ' +
          'and nothing else: `halab deploy --bootstrap` installs the packages from a package mirror the lab carries, the firewall is ' +
          'really on, and the `reboot` fault reboots a machine. Needs debootstrap and systemd-container; the first `lab up` builds ' +
          'the base (about a minute).' },
    ],
  },
};

/** Top-level keywords that open a block: used by the parser to recover from a missing `}`. */
export const TOP_LEVEL_BLOCKS = new Set(BLOCKS.file!.keywords.filter((k) => k.block).map((k) => k.keyword));

const INDEX = new Map(Object.values(BLOCKS).map((b) => [b.id, new Map(b.keywords.map((k) => [k.keyword, k]))]));

export function keywordSpec(blockId: string, keyword: string): KeywordSpec | undefined {
  return INDEX.get(blockId)?.get(keyword);
}

/** Which keywords exist anywhere (for "did you mean" across blocks). */
export function allKeywords(): string[] {
  return [...new Set(Object.values(BLOCKS).flatMap((b) => b.keywords.map((k) => k.keyword)))];
}
