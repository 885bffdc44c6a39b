/**
 * Where the service's logs go: process.stdout behind a cap, so logging never blocks the process
 * and never keeps it from exiting.
 *
 * Why not pino's default destination: it writes fd 1 directly and, at exit, flushes synchronously
 * and retries for as long as the write would block. When stdout is a pipe whose reader stopped
 * reading, that exit never happens. process.stdout on a pipe or socket is non-blocking: lines wait
 * in memory until the reader drains them, and process.exit drops what is still waiting.
 *
 * Invariants: `write` never blocks and never throws; at most `maxBufferedBytes` wait in memory
 * (further lines are dropped and counted, and the count is logged once writing resumes);
 * `flush(ms)` waits at most `ms` for the lines already written to leave.
 */
export interface LogStream {
  write(line: string): boolean;
  /** Resolves true once every line has left the process, false when `timeoutMs` passed first. */
  flush(timeoutMs: number): Promise<boolean>;
  /** Lines dropped so far because the reader was not reading. */
  readonly dropped: number;
}

/** What the stream needs of process.stdout (a test passes its own). */
export interface Sink {
  write(chunk: string): boolean;
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
  removeListener(event: 'drain', listener: () => void): unknown;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export function createLogStream(sink: Sink, maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES): LogStream {
  let dropped = 0;
  let droppedSinceReport = 0;
  return {
    write(line: string): boolean {
      if (sink.writableLength >= maxBufferedBytes) {
        dropped += 1;
        droppedSinceReport += 1;
        return true;
      }
      if (droppedSinceReport > 0) {
        sink.write(`${JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, dropped: droppedSinceReport, msg: 'log lines dropped: stdout was not being read' })}\n`);
        droppedSinceReport = 0;
      }
      sink.write(line);
      return true;
    },
    flush(timeoutMs: number): Promise<boolean> {
      if (sink.writableLength === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          sink.removeListener('drain', done);
          resolve(sink.writableLength === 0);
        };
        // Not unref'd: the process must not slip out with exit code 0 while a caller waits to exit with another.
        const timer = setTimeout(done, timeoutMs);
        sink.once('drain', done);
      });
    },
    get dropped() {
      return dropped;
    },
  };
}
