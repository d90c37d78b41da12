/**
 * The root every machine of a `lab { hosts machines }` boots from, built once and cached under
 * the halab cache: a minimal Debian with systemd, dbus, sshd and iproute2 — and nothing halab
 * deploys. Beside it, a package mirror of what `deploy --bootstrap` installs (the Debian packages
 * of deploy/bootstrap.ts's TOOL_PACKAGES, with their dependencies), so that the machines install
 * with real apt from a repository the lab carries (a read-only bind, `file:` in sources.list):
 * the machines never reach any network but the lab's.
 *
 * Building takes debootstrap about a minute and needs the machine's Debian mirror (the one its apt
 * uses, or $HALAB_DEBIAN_MIRROR); a build goes to a temporary directory renamed into place when
 * complete, so an interrupted build is never taken for a base.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TOOL_PACKAGES } from '../deploy/bootstrap.js';
import { LabError } from './plan.js';
import { alive, findTools, run } from './sys.js';

/** Where the machines see the mirror (a read-only bind of the cached one). */
export const MIRROR_MOUNT = '/srv/halab-mirror';

/**
 * What the base has: a booting systemd and a way in (issue 18's recipe), and netbase, which every
 * Debian server has (priority important) but minbase leaves out: without /etc/protocols
 * firewalld refuses to start ("INVALID_PROTOCOL: esp"). Nothing halab deploys.
 */
const BASE_INCLUDE = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'iproute2', 'netbase'];

/** The packages the mirror carries: every Debian package a deploy may bootstrap (one owner: TOOL_PACKAGES). */
export function mirrorPackages(): string[] {
  return [...new Set(Object.values(TOOL_PACKAGES).flatMap((t) => (t.debian ? [t.debian] : [])))].sort();
}

/** Tools that build the base (the machines themselves need only systemd-nspawn, see machine-up.ts). */
const BUILD_TOOLS = [
  { cmd: 'debootstrap', pkg: 'debootstrap' },
  { cmd: 'chroot', pkg: 'coreutils' },
  { cmd: 'apt-ftparchive', pkg: 'apt-utils' },
];

export interface MachineBase {
  /** The root (lower layer of every machine's overlay). */
  root: string;
  /** The package mirror (a flat apt repository: *.deb and Packages). */
  mirror: string;
  suite: string;
}

/** $HALAB_CACHE, else /var/cache/halab (scripts/install-code-server.sh uses the same). */
export function cacheDir(): string {
  return process.env.HALAB_CACHE || '/var/cache/halab';
}

/** The host's Debian codename when it runs Debian, else bookworm (what haproxy 2.6 / keepalived 2.2.7 ship in). */
function suite(): string {
  try {
    const osr = fs.readFileSync('/etc/os-release', 'utf8');
    const id = /^ID=(.*)$/m.exec(osr)?.[1]?.replace(/"/g, '');
    const code = /^VERSION_CODENAME=(.*)$/m.exec(osr)?.[1]?.replace(/"/g, '');
    if (id === 'debian' && code && /^[a-z]+$/.test(code)) return code;
  } catch {
    /* no os-release */
  }
  return 'bookworm';
}

/**
 * The Debian mirror this machine's apt uses for `suite` (deb822 .sources first, then
 * sources.list), so the base comes from where the machine's own packages come from.
 */
export function debianMirror(forSuite: string, files = aptSourceFiles()): string {
  if (process.env.HALAB_DEBIAN_MIRROR) return process.env.HALAB_DEBIAN_MIRROR;
  for (const [file, text] of files) {
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (k: string) => new RegExp(`^${k}:\\s*(.*)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
        if (field('Enabled')[0] === 'no' || !field('Types').includes('deb') || !field('Suites').includes(forSuite)) continue;
        const uri = field('URIs')[0];
        if (uri) return uri;
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (m && m[2] === forSuite) return m[1]!;
      }
    }
  }
  return 'http://deb.debian.org/debian';
}

function aptSourceFiles(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const read = (f: string) => {
    try {
      out.push([f, fs.readFileSync(f, 'utf8')]);
    } catch {
      /* absent */
    }
  };
  const dir = '/etc/apt/sources.list.d';
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.sources') || n.endsWith('.list')).sort();
  } catch {
    /* none */
  }
  for (const n of names) read(path.join(dir, n));
  read('/etc/apt/sources.list');
  return out;
}

/** The recipe, hashed into the base's directory name: a changed recipe builds a new base. */
function recipe(s: string): { suite: string; include: string[]; packages: string[]; version: number } {
  return { suite: s, include: BASE_INCLUDE, packages: mirrorPackages(), version: 1 };
}

function baseDir(s: string): string {
  const hash = createHash('sha256').update(JSON.stringify(recipe(s))).digest('hex').slice(0, 10);
  return path.join(cacheDir(), 'machines', `debian-${s}-${hash}`);
}

/** The cached base, or undefined when it has not been built (with this recipe). */
export function cachedMachineBase(): MachineBase | undefined {
  const s = suite();
  const dir = baseDir(s);
  if (!fs.existsSync(path.join(dir, 'recipe.json'))) return undefined;
  return { root: path.join(dir, 'root'), mirror: path.join(dir, 'mirror'), suite: s };
}

/** The base, built first when the cache lacks it. */
export async function ensureMachineBase(log: (line: string) => void = () => undefined): Promise<MachineBase> {
  const cached = cachedMachineBase();
  if (cached) return cached;
  const s = suite();
  const dir = baseDir(s);
  if (/[,:\\\n]/.test(dir)) {
    throw new LabError(`the halab cache ${cacheDir()} holds a character an overlay option cannot carry (, : \\): set HALAB_CACHE elsewhere`);
  }
  const tools = findTools(BUILD_TOOLS, 'building the machines\' base root');
  removeAbandonedBuilds(path.dirname(dir));
  const build = `${dir}.build-${process.pid}`;
  fs.rmSync(build, { recursive: true, force: true });
  fs.mkdirSync(build, { recursive: true, mode: 0o755 });
  const started = Date.now();
  try {
    const mirror = debianMirror(s);
    log(`machines: building the base root (debootstrap ${s} from ${mirror}; once, then cached in ${path.dirname(dir)})`);
    await bootstrapRoot(tools, s, mirror, path.join(build, 'root'));
    log('machines: fetching the packages a deploy may install into the lab\'s mirror');
    await fillMirror(tools, path.join(build, 'root'), path.join(build, 'mirror'));
    finishRoot(path.join(build, 'root'));
    fs.writeFileSync(path.join(build, 'recipe.json'), JSON.stringify({ ...recipe(s), mirror, builtAt: new Date().toISOString() }, null, 2) + '\n');
    try {
      fs.renameSync(build, dir);
    } catch (e) {
      // another build finished first: keep its base
      if (!cachedMachineBase()) throw e;
      fs.rmSync(build, { recursive: true, force: true });
    }
  } catch (e) {
    fs.rmSync(build, { recursive: true, force: true });
    throw e;
  }
  log(`machines: base root ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return cachedMachineBase()!;
}

/** Builds left by a process that no longer runs (a crash, a ^C) are removed, never reused. */
function removeAbandonedBuilds(parent: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    const pid = /\.build-(\d+)$/.exec(n)?.[1];
    if (pid && !alive(Number(pid))) fs.rmSync(path.join(parent, n), { recursive: true, force: true });
  }
}

async function bootstrapRoot(tools: Record<string, string>, s: string, mirror: string, root: string): Promise<void> {
  const r = await run(tools.debootstrap!, ['--variant=minbase', `--include=${BASE_INCLUDE.join(',')}`, s, root, mirror], {
    timeoutMs: 20 * 60_000,
    allowFail: true,
  });
  if (r.code !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-5).join('\n');
    throw new LabError(`debootstrap ${s} from ${mirror} failed (exit ${r.code}); set HALAB_DEBIAN_MIRROR to a reachable mirror:\n${tail}`, 1);
  }
}

/**
 * The mirror: apt inside the new root resolves the packages against exactly what the machines
 * have, downloads them with their dependencies, and apt-ftparchive indexes them.
 */
async function fillMirror(tools: Record<string, string>, root: string, mirror: string): Promise<void> {
  const inRoot = '/var/cache/halab-mirror';
  fs.mkdirSync(path.join(root, inRoot, 'partial'), { recursive: true });
  const apt = (args: string[]) =>
    run(tools.chroot!, [root, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-q', ...args], { timeoutMs: 10 * 60_000 });
  await apt(['update']);
  await apt(['install', '-y', '--no-install-recommends', '--download-only', '-o', `Dir::Cache::archives=${inRoot}/`, ...mirrorPackages()]);
  fs.mkdirSync(mirror, { recursive: true });
  for (const f of fs.readdirSync(path.join(root, inRoot))) {
    if (f.endsWith('.deb')) fs.renameSync(path.join(root, inRoot, f), path.join(mirror, f));
  }
  fs.rmSync(path.join(root, inRoot), { recursive: true, force: true });
  const index = await run('sh', ['-c', 'cd "$1" && "$2" packages .', 'halab-mirror', mirror, tools['apt-ftparchive']!], { timeoutMs: 120_000 });
  fs.writeFileSync(path.join(mirror, 'Packages'), index.stdout);
}

/**
 * What every machine shares: apt pointed at the lab's mirror only, no host keys (each machine gets
 * its own), no machine id (each machine gets its own, machine-up.ts), key-only root login.
 */
function finishRoot(root: string): void {
  fs.writeFileSync(path.join(root, 'etc/apt/sources.list'), `# halab lab machines: the lab's own mirror, nothing else\ndeb [trusted=yes] file:${MIRROR_MOUNT} ./\n`);
  fs.rmSync(path.join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'var/lib/apt/lists/partial'), { recursive: true });
  for (const f of fs.readdirSync(path.join(root, 'var/cache/apt/archives'))) {
    if (f.endsWith('.deb')) fs.rmSync(path.join(root, 'var/cache/apt/archives', f));
  }
  for (const f of fs.readdirSync(path.join(root, 'etc/ssh'))) {
    if (f.startsWith('ssh_host_')) fs.rmSync(path.join(root, 'etc/ssh', f));
  }
  fs.writeFileSync(path.join(root, 'etc/machine-id'), '');
  fs.mkdirSync(path.join(root, 'etc/ssh/sshd_config.d'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'etc/ssh/sshd_config.d/halab-lab.conf'),
    '# halab lab machine: the lab key only\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n',
  );
  fs.mkdirSync(path.join(root, MIRROR_MOUNT.slice(1)), { recursive: true });
}
