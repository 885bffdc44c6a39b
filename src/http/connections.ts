/**
 * The HTTP server's open connections, so shutdown can end them. `server.close()` alone waits for
 * every connection to go away: one a client opened and never used (or left half a request on)
 * holds it for as long as the client likes, and Node counts neither as idle.
 *
 * At `drain()`: connections with no request in flight close now, those with one close as soon as
 * its response has been sent, and connections that arrive afterwards are refused. `closeAll()`
 * ends every connection at once, in-flight responses included (the shutdown grace ran out).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionTracker {
  /** Open connections right now. */
  readonly size: number;
  drain(): void;
  closeAll(): void;
}

export function trackConnections(server: Server): ConnectionTracker {
  const inFlight = new Map<Socket, number>();
  let draining = false;

  server.on('connection', (socket: Socket) => {
    if (draining) {
      socket.destroy();
      return;
    }
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request: { socket: Socket }, response: { once(event: 'close', listener: () => void): unknown }) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      // end(), not destroy(): the response's last bytes may still be on their way out.
      if (draining && left === 0) socket.end();
    });
  });

  return {
    get size() {
      return inFlight.size;
    },
    drain() {
      draining = true;
      for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy();
    },
    closeAll() {
      draining = true;
      for (const socket of inFlight.keys()) socket.destroy();
    },
  };
}
