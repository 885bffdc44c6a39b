#!/usr/bin/env node
/* global console, process */
/**
 * `npm start` runs this first: it rebuilds the service (tsc → dist/) and the web app (vite →
 * web/dist/) only when a source is newer than the last build, so a start after a pull builds what
 * changed and a plain restart builds nothing. Plain Node, no dependencies of its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Newest modification time (ms) under the given files and folders, skipping `skip` folders. */
function newest(paths, skip = new Set()) {
  let latest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      if (skip.has(path)) return;
      for (const name of readdirSync(path)) visit(join(path, name));
    } else {
      latest = Math.max(latest, stat.mtimeMs);
    }
  };
  for (const p of paths) visit(join(root, p));
  return latest;
}

function mtime(path) {
  const full = join(root, path);
  return existsSync(full) ? statSync(full).mtimeMs : -1;
}

function run(label, command, args) {
  console.log(`build: ${label}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build: ${label} failed`);
    process.exit(result.status ?? 1);
  }
}

// The service is transpiled file by file with esbuild (about a second; tsc takes half a minute on
// a busy machine, too long for a first start). Types are checked by `npm run typecheck` and CI;
// `npm run build` still compiles with tsc.
const serviceStamp = 'dist/.service-built';
if (newest(['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) > mtime(serviceStamp)) {
  console.log('build: service (esbuild)');
  const { build } = await import('esbuild');
  const files = [];
  const collect = (dir) => {
    for (const name of readdirSync(join(root, dir))) {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) collect(path);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(join(root, path));
    }
  };
  collect('src');
  collect('migrations');
  await build({ entryPoints: files, outdir: join(root, 'dist'), outbase: root, format: 'esm', platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' });
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, serviceStamp), `${new Date().toISOString()}\n`);
}

// The web app bundles the service's pure verification code too, hence src/.
const webIndex = 'web/dist/index.html';
if (newest(['web', 'src', 'package-lock.json'], new Set([join(root, 'web', 'dist')])) > mtime(webIndex)) {
  run('web app (vite)', bin('vite'), ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
}
