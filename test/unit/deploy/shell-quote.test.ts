/**
 * Shell injection: every remote command is argv joined by shellQuote. A real /bin/sh must get
 * back exactly the argv we gave it, for any string (fast-check), and nothing hostile may run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { renderCommand, shellJoin, shellQuote, and } from '../../../server/src/deploy/shell-quote.js';
import { backupCommand, restoreCommand, validateCommand, prepareStagingCommand } from '../../../server/src/deploy/remote-ops.js';

/** Run a command line through sh and get back the argv it received (NUL-separated). */
function echoArgv(args: string[]): string[] {
  const out = execFileSync('sh', ['-c', shellJoin(['printf', '%s\\0', ...args])], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shell quoting', () => {
  it('round-trips any argument through a real sh', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')), { minLength: 1, maxLength: 5 }), (args) => {
        assert.deepEqual(echoArgv(args), args);
      }),
      { numRuns: 200 },
    );
  });

  it('never executes hostile values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halab-quote-'));
    try {
      const m = join(dir, 'pwned');
      const hostile = [`$(touch ${m})`, `\`touch ${m}\``, `;touch ${m}`, `|touch ${m}`, `&& touch ${m}`, `'; touch ${m}; '`, `\ntouch ${m}`,
        `$IFS`, `~`, `*`, `a=b`];
      assert.deepEqual(echoArgv(hostile), hostile);
      assert.equal(existsSync(m), false);
      // the same through the deploy's own command builders, which take paths from the model
      const path = `/etc/x'; touch ${m}; echo '`;
      for (const cmd of [backupCommand([path]), restoreCommand([{ path, existed: false }]), validateCommand('true {}', path),
        prepareStagingCommand([path], 'ab12', [path], [path])]) {
        try {
          execFileSync('sh', ['-c', renderCommand(cmd)], { stdio: 'ignore', env: { PATH: '/nonexistent-halab' } });
        } catch {
          /* the commands fail (no PATH); what matters is that nothing hostile ran */
        }
      }
      assert.equal(existsSync(m), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('quotes empty strings, leaves plain words readable, refuses NUL', () => {
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote('/etc/haproxy/haproxy.cfg'), '/etc/haproxy/haproxy.cfg');
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote('a=b'), `'a=b'`); // a leading a=b would be an assignment
    assert.throws(() => shellQuote('a\0b'));
  });

  it('joins command lists with fixed operators only', () => {
    assert.equal(renderCommand(and(['true'], ['echo', 'a b'])), "true && echo 'a b'");
  });

  it('keeps a validator placeholder path one argument', () => {
    assert.deepEqual(validateCommand('haproxy -c -q -f {}', '/etc/haproxy/.x y.halab-new'),
      ['haproxy', '-c', '-q', '-f', '/etc/haproxy/.x y.halab-new']);
  });
});
