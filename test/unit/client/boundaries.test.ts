/**
 * The editor takes no shortcut the CLI doesn't (issue 15), checked on the extension's sources and
 * manifest, since VS Code itself runs as root here and cannot show a sudo path being avoided:
 * - only the lab's own root work (`lab up|down`) can go through `sudo`;
 * - deploy, the failover test and live status reach hosts through the engine's `hostTargets`,
 *   which the CLI uses too — never `resolveTargets`/`loadSshConfig` directly;
 * - every setting package.json declares is read;
 * - every command a menu, keybinding or the walkthrough names is declared and registered.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLIENT = join(ROOT, 'client/src');
const sources = new Map(readdirSync(CLIENT).filter((f) => f.endsWith('.ts')).map((f) => [f, readFileSync(join(CLIENT, f), 'utf8')]));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const importers = (mod: string) => [...sources].filter(([, s]) => new RegExp(`from '\\./${mod}'`).test(s)).map(([f]) => f);

describe('the extension and the CLI reach hosts the same way', () => {
  it('only the lab commands can run anything through sudo', () => {
    const spawning = [...sources].filter(([, s]) => /from 'node:child_process'/.test(s)).map(([f]) => f);
    assert.deepEqual(spawning, ['run-cli.ts'], 'one module starts processes');
    const sudo = [...sources].filter(([, s]) => /\['sudo',/.test(s)).map(([f]) => f);
    assert.deepEqual(sudo, ['run-cli.ts']);
    assert.deepEqual(importers('run-cli.js'), ['lab-commands.ts']);
    // the one entry point takes a lab verb, not free arguments
    assert.match(sources.get('run-cli.ts')!, /export type LabVerb = 'up' \| 'down';/);
    assert.match(sources.get('run-cli.ts')!, /const args = \['lab', verb, file\];/);
    assert.doesNotMatch(sources.get('failover-commands.ts')!, /run-cli|runLabCli|spawn/);
  });

  it('deploy, failover test and live status use hostTargets with the editor settings; nothing builds targets another way', () => {
    for (const f of ['deploy-commands.ts', 'failover-commands.ts', 'extension.ts']) {
      assert.match(sources.get(f)!, /hostTargets\([^)]*accessSettings\(\)\)/, `${f} passes the settings to hostTargets`);
    }
    for (const [f, s] of sources) assert.doesNotMatch(s, /\b(resolveTargets|loadSshConfig)\b/, `${f} must not bypass hostTargets`);
    for (const f of ['deploy.ts', 'failover-test.ts']) {
      assert.match(readFileSync(join(ROOT, 'server/src/cli', f), 'utf8'), /targets: hostTargets\((r\.)?model\)/,
        `the CLI's ${f} uses hostTargets`);
    }
  });

  it('every declared setting is read', () => {
    const props = Object.keys(pkg.contributes.configuration.properties as Record<string, unknown>);
    assert.ok(props.length >= 6);
    const all = [...sources.values()].join('\n');
    for (const key of props) {
      const [, section, name] = /^(halab\.[^.]+)\.(.+)$/.exec(key)!;
      assert.ok(all.includes(`getConfiguration('${section}')`) && new RegExp(`get<[^>]+>\\('${name}'`).test(all), `${key} is read`);
    }
  });

  it('every command named by a menu, keybinding, walkthrough step or view welcome is declared and registered', () => {
    const declared = new Set((pkg.contributes.commands as Array<{ command: string }>).map((c) => c.command));
    const named = new Set<string>();
    for (const list of Object.values(pkg.contributes.menus as Record<string, Array<{ command: string }>>)) {
      for (const m of list) named.add(m.command);
    }
    for (const k of pkg.contributes.keybindings as Array<{ command: string }>) named.add(k.command);
    const links = [
      ...pkg.contributes.walkthroughs.flatMap((w: { steps: Array<{ description: string }> }) => w.steps.map((s) => s.description)),
      ...(pkg.contributes.viewsWelcome ?? []).map((v: { contents: string }) => v.contents),
    ];
    for (const text of links) for (const m of String(text).matchAll(/command:(halab\.[A-Za-z.]+)/g)) named.add(m[1]!);
    const registered = new Set([...[...sources.values()].join('\n').matchAll(/registerCommand\('(halab\.[A-Za-z.]+)'/g)].map((m) => m[1]!));
    for (const c of named) {
      assert.ok(declared.has(c), `${c} is declared`);
      assert.ok(registered.has(c), `${c} is registered`);
    }
    assert.ok(named.has('halab.newTopology') && named.has('halab.deploy') && named.has('halab.runFailoverTest'));
    for (const c of declared) assert.ok(registered.has(c), `declared ${c} is registered`);
  });

  it('Restricted Mode is declared: limited, with the settings that point at files or sudo restricted', () => {
    const u = pkg.capabilities?.untrustedWorkspaces;
    assert.equal(u?.supported, 'limited');
    assert.deepEqual([...u.restrictedConfigurations].sort(),
      ['halab.lab.stateDir', 'halab.lab.sudo', 'halab.ssh.configFile', 'halab.ssh.knownHostsFile']);
    assert.match(sources.get('document.ts')!,
      /export async function prepareHostAction[\s\S]*?if \(!\(await requireTrust\(action\)\)\) return undefined;/);
    for (const f of ['deploy-commands.ts', 'failover-commands.ts', 'lab-commands.ts', 'lab-view.ts']) {
      assert.match(sources.get(f)!, /requireTrust\(|prepareHostAction\(/, `${f} asks for trust`);
    }
  });
});
