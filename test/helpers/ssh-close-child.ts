/**
 * A process that opens one SSH session, proves it works ("connected"), and closes it when a line
 * arrives on stdin; test/e2e/ssh-vanish.test.ts cuts the link in between and times the exit.
 *   node --import tsx test/helpers/ssh-close-child.ts HOST KEY KNOWN_HOSTS
 */
import { SshSession } from '../../server/src/deploy/ssh.js';

async function main(): Promise<void> {
  const [host, key, knownHosts] = process.argv.slice(2) as [string, string, string];
  const s = await SshSession.connect({ host, port: 22, user: 'root', identityFiles: [key], knownHostsFiles: [knownHosts] });
  process.stdout.write((await s.run(['echo', 'connected'])).stdout);
  process.stdin.once('data', () => {
    s.close();
    process.stdout.write('closed\n');
  });
}

void main();
