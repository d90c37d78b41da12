/**
 * Long lists resolve in linear time (issue 13, item 11). The resolver removed repeated hosts and
 * servers with `Array.includes` inside the loop that built the list, so a site with n hosts cost
 * n²/2 string comparisons: 24,000 hosts took 9.3 s per keystroke in the language server, 32,000
 * took 18.6 s in `check`, and a 5.9 MB line did not finish in 60 s.
 *
 * These are stall guards, not benchmarks: the bound is many times what a linear analysis needs
 * on a slow, loaded machine and far below what the quadratic one took. Each case runs in a child
 * process (test/helpers/scale-cases.ts), killed at a hard limit, so a regression fails here
 * instead of blocking the run.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostNames, runScaleCase } from '../../helpers/scale-cases.js';

/**
 * The bound on one analysis of the lists below: linear, each takes under 1 s on an idle two-core
 * machine and up to 5 s with a load average of 8; quadratic, each took over 60 s.
 */
const STALL_GUARD_MS = 20_000;
/**
 * The 5.9 MB line is 301,000 hosts: linear, 3 to 7 s on the same loaded machine (each name is
 * lexed, parsed twice and checked for duplicates); quadratic, it is 4.5·10¹⁰ string comparisons.
 */
const LINE_STALL_GUARD_MS = 30_000;
/** The child's whole life: start-up, text generation and the analysis. */
const KILL_AFTER_MS = 60_000;

describe('long lists', { concurrency: 2 }, () => {
  test('a site with 32,000 hosts, each written twice: within the stall guard, repeats removed in first-seen order', async () => {
    const r = await runScaleCase('hosts32k', KILL_AFTER_MS);
    assert.ok(r.ms < STALL_GUARD_MS, `analyze took ${Math.round(r.ms)} ms`);
    assert.deepEqual(r.hosts, hostNames(32_000));
    assert.equal(r.internalErrors, 0);
  });

  test('a site with 100,000 servers naming 50,000 upstreams: within the stall guard, repeats removed in order', async () => {
    const r = await runScaleCase('servers100k', KILL_AFTER_MS);
    assert.ok(r.ms < STALL_GUARD_MS, `analyze took ${Math.round(r.ms)} ms`);
    assert.deepEqual(r.servers, Array.from({ length: 50_000 }, (_, i) => `web${i}`));
  });

  test('a keystroke in a 24,000-host list, analysed incrementally as in the language server: within the stall guard', async () => {
    const r = await runScaleCase('keystroke24k', KILL_AFTER_MS);
    assert.ok(r.ms < STALL_GUARD_MS, `the re-analysis took ${Math.round(r.ms)} ms`);
    assert.equal(r.hosts.length, 24_000);
    assert.ok(r.hosts.includes('xh12000.example.com'), 'the edit is in the model');
  });

  test('a 5.9 MB single line of hosts: within its stall guard', async () => {
    const r = await runScaleCase('line5_9MB', KILL_AFTER_MS);
    assert.ok(r.bytes > 5.9e6, `the text is ${r.bytes} bytes`);
    assert.ok(r.ms < LINE_STALL_GUARD_MS, `analyze took ${Math.round(r.ms)} ms`);
    assert.equal(r.hosts.length, 301_000);
    assert.equal(r.internalErrors, 0);
  });
});
