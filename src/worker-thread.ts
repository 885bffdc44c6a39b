/**
 * Worker threads from modules beside their caller, compiled or not. Compiled (.js beside .js) the
 * thread runs the .js module with plain node. Under tsx (the caller is .ts) a thread inherits no
 * loader, and on Node 20 `--import tsx` in its execArgv does not reach its main module either: the
 * thread starts from a line that loads the .ts module with tsx's tsImport.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Starts `name` (say `./hpke-encapsulations.worker`, no extension) resolved against `callerUrl`. */
export function startModuleWorker(name: string, callerUrl: string, options: WorkerOptions = {}): Worker {
  const typescript = callerUrl.endsWith('.ts');
  const file = new URL(`${name}.${typescript ? 'ts' : 'js'}`, callerUrl);
  return typescript
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ tsImport }) => tsImport(${JSON.stringify(file.href)}, ${JSON.stringify(callerUrl)}));`, { ...options, eval: true })
    : new Worker(file, options);
}
