/**
 * Generates syntaxes/halab.tmLanguage.json from the schema table, so the grammar's keyword lists
 * are never copied by hand. Run by `npm run build`.
 */
import { writeFileSync } from 'node:fs';
import { BLOCKS } from '../server/src/schema/schema.js';

const top = BLOCKS.file!.keywords.map((k) => k.keyword);
const inner = [...new Set(Object.values(BLOCKS).filter((b) => b.id !== 'file').flatMap((b) => b.keywords.map((k) => k.keyword)))];
const enums = [
  ...new Set(Object.values(BLOCKS).flatMap((b) =>
    b.keywords.flatMap((k) => k.args.filter((a) => a.type === 'enum').flatMap((a) => a.values ?? [])))),
].filter((v) => !/^\d+$/.test(v));
const alt = (xs: string[]) => xs.sort((a, b) => b.length - a.length).map((x) => x.replace(/[-]/g, '\\-')).join('|');

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'halab',
  scopeName: 'source.halab',
  patterns: [
    { include: '#comment' }, { include: '#string' }, { include: '#top' },
    { include: '#inner' }, { include: '#values' }, { include: '#punct' },
  ],
  repository: {
    comment: { match: '#.*$', name: 'comment.line.number-sign.halab' },
    string: {
      begin: '"', end: '"|$', name: 'string.quoted.double.halab',
      patterns: [{ match: '\\\\[nt"\\\\]', name: 'constant.character.escape.halab' }],
    },
    top: {
      match: `^\\s*(${alt(top)})(?:\\s+([A-Za-z][A-Za-z0-9_-]*))?(?=[\\s{;]|$)`,
      captures: { 1: { name: 'keyword.control.halab' }, 2: { name: 'entity.name.type.halab' } },
    },
    inner: {
      match: `(?<=^|[{;]|[{;]\\s)\\s*\\b(${alt(inner)})\\b(?=[\\s;}]|$)`,
      captures: { 1: { name: 'variable.other.property.halab' } },
    },
    values: {
      patterns: [
        { match: '\\b(env|secret):[A-Za-z_][A-Za-z0-9_]*', name: 'variable.other.env.halab' },
        { match: '\\b\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?\\b', name: 'constant.numeric.address.halab' },
        { match: '\\b\\d+(ms|s|m|h)\\b', name: 'constant.numeric.duration.halab' },
        { match: '\\b\\d+\\b', name: 'constant.numeric.halab' },
        { match: `\\b(${alt(enums)})\\b`, name: 'constant.language.halab' },
      ],
    },
    punct: { patterns: [{ match: '[{}]', name: 'punctuation.section.block.halab' }, { match: ';', name: 'punctuation.terminator.halab' }] },
  },
};
writeFileSync(new URL('../syntaxes/halab.tmLanguage.json', import.meta.url), JSON.stringify(grammar, null, 2) + '\n');
