/**
 * examples/lab.halab moved to a test's own topology name, /24 and bridge, so labs of several tests
 * never meet on the machine. Fails loudly when the example changes shape, instead of touching
 * another test's lab (or the demo's).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function labVariant(o: { topology: string; net: string; bridge: string; machines?: boolean; firewall?: 'nftables' }): string {
  const text = readFileSync(join(__dirname, '../../examples/lab.halab'), 'utf8');
  let out = text
    .replace(/^topology lab$/m, `topology ${o.topology}`)
    .replaceAll('198.18.0.', `${o.net}.`)
    .replace(/bridge halab0/, `bridge ${o.bridge}${o.machines ? '\n  hosts machines' : ''}`);
  if (o.firewall) out = out.replace(/^firewall none$/m, `firewall ${o.firewall}`);
  assert.ok(out.includes(`topology ${o.topology}`) && out.includes(`bridge ${o.bridge}`) && !out.includes('198.18.0.'),
    'examples/lab.halab changed shape');
  assert.ok(!o.firewall || out.includes(`firewall ${o.firewall}`), 'examples/lab.halab changed shape (its firewall line)');
  return out;
}
