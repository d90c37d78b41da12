/**
 * A loopback TCP port for a test's own server to bind a moment later. Chosen below the kernel's
 * ephemeral range (net.ipv4.ip_local_port_range, 32768 and up here): a port the kernel hands out
 * with `listen(0)` is one it also hands out as the source port of other processes' outgoing
 * connections, and a test running beside this one took it in between (haproxy: "cannot bind
 * socket (Address already in use)"). Bounded: at most 200 tries.
 */
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';

function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const top = Math.min(ephemeralStart(), 65536);
  const bottom = Math.max(10_000, top - 20_000);
  for (let i = 0; i < 200; i++) {
    const port = bottom + Math.floor(Math.random() * (top - bottom));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port in [${bottom}, ${top}) after 200 tries`);
}
