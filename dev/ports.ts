/** Local TCP ports: the launcher checks its own are free, the tests take free ones. */
import net from 'node:net';

function listenOnce(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      const taken = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(taken));
    });
  });
}

/** A port free right now, picked by the system (another process may still take it). */
export const findFreePort = (host = '127.0.0.1') => listenOnce(0, host);

/** True when nothing listens on `host:port`. */
export const isPortFree = (port: number, host = '127.0.0.1') => listenOnce(port, host).then(() => true, () => false);

/**
 * `n` distinct ports free right now, under 32768, outside Linux's ephemeral range (32768–60999), from
 * which the system picks both `findFreePort`'s ports and the local port of every outgoing connection.
 * A port of that range, free when checked, may be another connection's by the time it is listened on;
 * these stay free for a process that is stopped and started again on them. (And Temporal stores each
 * service's membership port in a PostgreSQL `smallint`.)
 */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await isPortFree(port)) ports.add(port);
  }
  return [...ports];
}

/** One port as `freePorts` picks them: for a server a test stops and starts again on the same port. */
export const freePort = async (): Promise<number> => (await freePorts(1))[0]!;
