/** Runs one of our scripts as an auditor would (a separate process) and captures its output. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths.js';
import { CHILD_WITHOUT_COVERAGE } from '../../scripts/lib/service-process.js';

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', script), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...CHILD_WITHOUT_COVERAGE, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
