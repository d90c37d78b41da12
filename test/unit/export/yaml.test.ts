/**
 * The export's YAML writer: whatever the strings hold (YAML 1.1 booleans, numbers, `#`, `: `,
 * quotes, control characters, any Unicode, long lines), PyYAML — Ansible's reader — reads back the
 * value that was written, and no line is longer than ansible-lint allows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { yamlDocument, yamlString, type YamlMap } from '../../../server/src/export/yaml.js';
import { parseYaml, pythonMissing } from '../../helpers/ansible-export.js';

const noPython = pythonMissing();

const tricky = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom('yes', 'No', 'on', 'OFF', 'null', '~', '0640', '1e3', '- x', 'a: b', 'a #b', '{{ x }}', ' lead', 'trail ', '', 'x'.repeat(500)),
  fc.constantFrom(' '.repeat(130) + 'x', 'a' + ' '.repeat(200), 'word '.repeat(60)),
);
const map = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.boolean(), fc.array(tie('value'), { maxLength: 4 }), tie('map')),
  map: fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/), tie('value'), { maxKeys: 4 }),
})).map as fc.Arbitrary<YamlMap>;

describe('export YAML', { skip: noPython }, () => {
  it('PyYAML reads back every value written, with no line over 160 characters', () => {
    // plain objects: fast-check's dictionaries have no prototype
    const docs = fc.sample(map, { numRuns: 300, seed: 11 }).map((d) => JSON.parse(JSON.stringify(d)) as YamlMap);
    const texts = docs.map((d) => yamlDocument(d, ['a comment']));
    const back = parseYaml(texts);
    docs.forEach((d, i) => {
      assert.deepEqual(back[i], Object.keys(d).length ? d : {}, texts[i]);
      for (const line of texts[i]!.split('\n')) assert.ok(line.length <= 160, `${line.length}: ${line}`);
    });
  });

  it('plain where nothing could read the word otherwise; quoted where YAML 1.1 would', () => {
    assert.deepEqual(['web1.lab', '/etc/haproxy/haproxy.cfg', 'halab-watch'].map(yamlString), ['web1.lab', '/etc/haproxy/haproxy.cfg', 'halab-watch']);
    assert.deepEqual(['yes', 'off', '0640', '198.18.0.1', '-q', '{{ x }}'].map(yamlString), ['"yes"', '"off"', '"0640"', '"198.18.0.1"', '"-q"', '"{{ x }}"']);
  });
});
