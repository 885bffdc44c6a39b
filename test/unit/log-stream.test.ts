/** The log stream never blocks: it drops (and later reports) lines while the reader lags, and flushes within a bound. */
import t from 'tap';
import { EventEmitter } from 'node:events';
import { createLogStream } from '../../src/log-stream.js';

class FakeSink extends EventEmitter {
  lines: string[] = [];
  writableLength = 0;
  write(chunk: string): boolean {
    this.lines.push(chunk);
    this.writableLength += chunk.length;
    return true;
  }
  drainAll(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
}

t.test('lines beyond the cap are dropped, counted, and reported once writing resumes', async (t) => {
  const sink = new FakeSink();
  const log = createLogStream(sink, 100);
  log.write(`${'a'.repeat(99)}\n`);
  log.write('b\n');
  log.write('c\n');
  t.equal(log.dropped, 2, 'two lines dropped while 100 bytes were waiting');
  t.equal(sink.lines.length, 1);
  sink.drainAll();
  log.write('d\n');
  t.match(sink.lines[1], /"dropped":2,"msg":"log lines dropped/, 'the drop is reported first');
  t.equal(sink.lines[2], 'd\n', 'then the line itself');
});

t.test('flush resolves at once when nothing waits, on drain, or false after its timeout', async (t) => {
  const sink = new FakeSink();
  const log = createLogStream(sink);
  t.equal(await log.flush(10), true, 'nothing waiting');
  log.write('x\n');
  const flushed = log.flush(10_000);
  sink.drainAll();
  t.equal(await flushed, true, 'drained');
  log.write('y\n');
  t.equal(await log.flush(20), false, 'a reader that never reads: false after the timeout');
});
