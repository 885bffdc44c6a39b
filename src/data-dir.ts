/**
 * DATA_DIR is private to the service's user: the directory and every directory under it 0700,
 * every file 0600. The process runs with umask 077 before anything is opened, so files created
 * while it runs are 0600 whatever their creator asks. Not enough alone: when the embedded database
 * (PGlite) creates its data directory it unpacks a template and sets each file's mode to 0666
 * explicitly, and an earlier version may have left files readable. So the tree is tightened before
 * the database opens and once more after. Symbolic links are not followed: a link is never a
 * reason to change a mode outside DATA_DIR.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_UMASK = 0o077;

/** Sets the process umask and makes `dir` (created if missing) and everything in it private; idempotent. */
export function makeDataDirPrivate(dir: string): void {
  process.umask(PRIVATE_UMASK);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(dir);
}

function tighten(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(path, PRIVATE_DIR_MODE);
    for (const name of readdirSync(path)) tighten(join(path, name));
  } else if ((stat.mode & 0o777 & ~PRIVATE_FILE_MODE) !== 0) {
    // Only bits are taken away: a file that was already stricter (0400) stays so.
    chmodSync(path, stat.mode & PRIVATE_FILE_MODE);
  }
}
