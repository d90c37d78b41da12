import { readFileSync } from 'node:fs';
import { analyze } from '/work/main/server/src/engine.js';
import { render } from '/work/main/server/src/render/render.js';
import { envSecrets } from '/work/main/server/src/secrets.js';
for (const f of process.argv.slice(2)) {
  const a = analyze(readFileSync(f, 'utf8'), f);
  console.log(a.diagnostics.map(d => d.code + ' ' + d.severity));
  const r = render(a.model, { source: f, secrets: envSecrets({ HALAB_STATS_PASSWORD: 's3cret pw#', HALAB_VRRP_AUTH: 'abcdefghij' }) });
  for (const x of r.files) { console.log(`===== ${x.host} ${x.path} ${x.mode.toString(8)} ${x.owner}:${x.group} reload=${x.reload} secret=${x.secret}`); if (process.env.ALL || x.host === r.files[0]!.host || x.path.includes('web01')) console.log(x.content); }
}
