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
