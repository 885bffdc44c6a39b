/**
 * The real service as a child process (`node --import tsx src/main.ts`), for crash and load runs:
 * start on a free 127.0.0.1 port, wait until /healthz answers, kill it hard or stop it gracefully.
 * Invariants: it only ever listens on 127.0.0.1; every child started here is SIGKILLed if this
 * process exits first, so a failed run never leaves a service (and a locked data dir) behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths.js';

/**
 * Env for a child process (a service, a script) started under tap. Tap's processinfo hook joins
 * every child (it puts itself back into NODE_OPTIONS even when the env leaves it out) and records the
 * child's coverage. A child runs our sources through tsx, whose transform maps differently from the
 * test processes' (a file of three generated lines), and whichever coverage file is merged first for
 * a source decides its statements: merged in a random order, a child's file collapses that source
 * to one statement (a quarter of the report, in one run of this round). This turns the child's
 * coverage off; it is still tracked as a process.
 */
export const CHILD_WITHOUT_COVERAGE = { _TAPJS_PROCESSINFO_COVERAGE_: '0' } as const;

export interface ServiceOptions {
  /** `postgres://…` (PostgreSQL) or undefined (embedded PGlite in `dataDir`). */
  databaseUrl: string | undefined;
  dataDir: string;
  adminToken: string;
  /** Extra environment (e.g. CHECKPOINT_INTERVAL_SECONDS); LOG_LEVEL defaults to warn. */
  env?: Record<string, string>;
  /** Another checkout of the project to run the service from (a baseline); default this one. */
  root?: string;
  /** A fixed 127.0.0.1 port instead of a free one the OS picks. */
  port?: number;
  /** How long start-up (database open + migrations) may take before we call it a hang. */
  readyTimeoutMs?: number;
  /** Extra node options for the child (e.g. `--cpu-prof`, which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  baseUrl: string;
  pid: number;
  /** Milliseconds from spawn to the first 200 on /healthz. */
  startMs: number;
  exited: Promise<Exit>;
  /** The last ~256 KB of the child's stdout and stderr, for failure reports. */
  output(): string;
  /** Stops reading the child's stdout (a log reader that hangs): its pipe fills up. */
  pauseOutput(): void;
  /** Reads the child's stdout again. */
  resumeOutput(): void;
  /** SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill. */
  kill(): Promise<Exit>;
  /** SIGTERM, then wait up to `timeoutMs` for a clean exit (SIGKILL after that, reported as a hang). */
  stop(timeoutMs?: number): Promise<Exit & { hung: boolean }>;
}

const LOOPBACK = '127.0.0.1';
const OUTPUT_LIMIT = 256 * 1024;
const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const root = options.root ?? PROJECT_ROOT;
  const baseUrl = `http://${LOOPBACK}:${port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    DATA_DIR: options.dataDir,
    PORT: String(port),
    HOST: LOOPBACK,
    ADMIN_TOKEN: options.adminToken,
    LOG_LEVEL: 'warn',
    ...CHILD_WITHOUT_COVERAGE,
    ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }),
    ...options.env,
  };
  const started = Date.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', join(root, 'src', 'main.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString();
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  let exit: Exit | undefined;
  void exited.then((e) => (exit = e));

  const deadline = started + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exit !== undefined) throw new Error(`service exited during start-up (code ${exit.code}, signal ${exit.signal}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`service did not answer /healthz within ${options.readyTimeoutMs ?? 60_000} ms (hang on start-up):\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const startMs = Date.now() - started;

  return {
    baseUrl,
    pid: child.pid ?? -1,
    startMs,
    exited,
    output: () => output,
    pauseOutput: () => child.stdout.pause(),
    resumeOutput: () => child.stdout.resume(),
    kill: async () => {
      child.kill('SIGKILL');
      return exited;
    },
    stop: async (timeoutMs = 30_000) => {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const first = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (first !== 'timeout') return { ...first, hung: false };
      child.kill('SIGKILL');
      return { ...(await exited), hung: true };
    },
  };
}
