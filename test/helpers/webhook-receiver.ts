/**
 * A webhook receiver on 127.0.0.1 (port 0) for tests: it records every request (headers and raw
 * body) and answers as `respond` says — a status, or 'hang' to hold the request until `release()`.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  respond: (request: ReceivedRequest) => number | 'hang';
  /** answers every held request with 200 */
  release(): void;
  /** resolves when `count` requests have arrived */
  waitFor(count: number): Promise<void>;
}

export async function startReceiver(t: Test, respond: Receiver['respond'] = () => 200): Promise<Receiver> {
  const held: (() => void)[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver: Receiver = {
    url: '',
    received: [],
    respond,
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
    waitFor: (count) =>
      new Promise((resolve) => {
        if (receiver.received.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.received.push(request);
      for (const w of waiters.filter((w) => receiver.received.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const answer = receiver.respond(request);
      if (answer === 'hang') held.push(() => res.writeHead(200).end('ok'));
      else res.writeHead(answer).end(answer < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  t.teardown(async () => {
    receiver.release();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return receiver;
}
