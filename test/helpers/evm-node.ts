/**
 * A real local EVM for tests: `hardhat node` (Hardhat 2) on 127.0.0.1 and a free port, with the minimal
 * config in test/fixtures/hardhat/. Nothing is fetched from a network: no forking, no compiler, and
 * CI=true switches off Hardhat's telemetry, Sentry reports and banner requests (all skipped on CI).
 *
 * The node runs in its own process group; stop() and process exit kill the whole group, and a preload
 * (exit-with-parent.cjs) ends it when this process dies abruptly, so no node outlives the test.
 * restart() starts a fresh node on the same port: Hardhat keeps no state, so the chain begins again at
 * genesis (what the chain-reset test relies on). If no node starts, the caller skips with the error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths.js';

const HARDHAT_CLI = join(PROJECT_ROOT, 'node_modules', 'hardhat', 'internal', 'cli', 'bootstrap.js');
const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'hardhat');
const HARDHAT_CONFIG = join(FIXTURES, 'hardhat.config.cjs');
const EXIT_WITH_PARENT = join(FIXTURES, 'exit-with-parent.cjs');
export const EVM_NODE_CHAIN_ID = 31337;

/** Hardhat's well-known funded development accounts #0–#2 (public test keys; 10,000 ETH each on every start). */
export const DEV_PRIVATE_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
] as const;

export interface EvmNode {
  rpcUrl: string;
  port: number;
  chainId: number;
  privateKeys: readonly string[];
  /** Kills the node's process group; safe to call twice. */
  stop(): Promise<void>;
  /** Stops the node and starts a fresh one (genesis again) on the same port. */
  restart(): Promise<void>;
  /** The node's last output lines, for failure messages. */
  output(): string;
}

export interface StartEvmNodeOptions {
  /** How long to wait for the node to answer eth_chainId, default 30 s. */
  startTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

export async function startEvmNode(options: StartEvmNodeOptions = {}): Promise<EvmNode> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  let child = await launch(port, rpcUrl, lines, startTimeoutMs);

  const stop = async (): Promise<void> => {
    await terminate(child);
  };
  return {
    rpcUrl,
    port,
    chainId: EVM_NODE_CHAIN_ID,
    privateKeys: DEV_PRIVATE_KEYS,
    stop,
    async restart() {
      await stop();
      child = await launch(port, rpcUrl, lines, startTimeoutMs);
    },
    output: () => lines.join('\n'),
  };
}

async function launch(port: number, rpcUrl: string, lines: string[], startTimeoutMs: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--require', EXIT_WITH_PARENT, HARDHAT_CLI, '--config', HARDHAT_CONFIG, 'node', '--hostname', '127.0.0.1', '--port', String(port)],
    {
      cwd: PROJECT_ROOT,
      detached: true, // its own process group, killed as a whole
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
    },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));
  // Hardhat logs every RPC call: keep draining both pipes (a full pipe would stall the node) and keep a tail.
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`hardhat node exited (${child.exitCode ?? child.signalCode}) before answering: ${headline(lines)}\n${lines.join('\n')}`);
    }
    if ((await chainIdAt(rpcUrl)) === EVM_NODE_CHAIN_ID) return child;
    await sleep(150);
  }
  await terminate(child);
  throw new Error(`hardhat node did not answer eth_chainId within ${startTimeoutMs} ms: ${headline(lines)}\n${lines.join('\n')}`);
}

async function chainIdAt(rpcUrl: string): Promise<number | null> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    const body = (await response.json()) as { result?: string };
    return typeof body.result === 'string' ? Number.parseInt(body.result, 16) : null;
  } catch {
    return null;
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // negative pid: the whole group the detached child leads
  } catch {
    // already gone
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** The line that says what went wrong (Hardhat prints `Error HH…: …` before its stack), else the last one. */
function headline(lines: readonly string[]): string {
  return (lines.find((line) => /error/i.test(line)) ?? lines.at(-1) ?? 'no output').trim();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
