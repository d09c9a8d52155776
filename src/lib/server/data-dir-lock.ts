import fs from 'node:fs';
import path from 'node:path';

/**
 * One process at a time on the embedded database: PGlite keeps its files in DATA_DIR and a second
 * process opening them would silently lose one side's writes. The first process writes its PID
 * to DATA_DIR/herald.lock (created atomically); another one is refused at once. A lock whose
 * process is gone (killed, crashed, or a PID from before a container restart) is taken over.
 */

const LOCK_FILE = 'herald.lock';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `Herald is already running on ${dataDir} (pid ${pid}): stop it first, or use the admin area; with DATABASE_URL several processes may run.`,
    );
  }
}

/** Why DATA_DIR cannot be used, as one line naming it. */
export class DataDirUnusableError extends Error {
  override name = 'DataDirUnusableError';
}

const reasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'it is on a read-only file system',
  ENOTDIR: 'it, or a folder above it, is not a directory',
  EEXIST: 'it is a file, not a directory',
  ENOSPC: 'the disk is full',
};

/**
 * Creates DATA_DIR when missing and checks that this process may read and write it: Herald keeps
 * its embedded database, the pages the public edge kept and the mail outbox there.
 */
export function checkDataDir(dataDir: string, shownAs: string = dataDir): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    if (!fs.statSync(dataDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'EEXIST' });
    fs.accessSync(dataDir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new DataDirUnusableError(
      `DATA_DIR ${shownAs} cannot be used: ${reasons[code] ?? (error instanceof Error ? error.message : String(error))}. Herald must be able to read and write it.`,
    );
  }
}

export interface DataDirLock {
  /** Removes the lock file (when it is still this process's); safe to call twice. */
  release(): void;
}

/** The fields of /proc/<pid>/stat after the parenthesised command name (which may hold spaces), or null off Linux. */
function procStat(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * What tells this process apart from a later one with the same PID: the boot and the start time
 * (Linux's /proc). Elsewhere only the PID is known, and a live PID counts as the holder.
 */
function identityOf(pid: number): string | null {
  try {
    const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // Field 22 of the whole line: the process's start, in clock ticks after boot.
    const started = procStat(pid)?.[19];
    return started ? `${boot}/${started}` : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A killed process stays a zombie until its parent reaps it; it holds nothing any more.
  const state = procStat(pid)?.[0];
  return state !== 'Z' && state !== 'X';
}

interface Holder {
  pid: number;
  identity: string | null;
}

/** Blocks this thread: the lock is taken before anything else runs, and synchronously. */
const pause = (milliseconds: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);

function readHolder(file: string): Holder | null {
  // A holder writes its lines right after creating the file: an empty read is worth a second look.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const [pidLine = '', identity = ''] = fs.readFileSync(file, 'utf8').split('\n');
    const pid = Number(pidLine);
    if (Number.isInteger(pid) && pid > 0) return { pid, identity: identity || null };
    pause(20);
  }
  return null;
}

/** Whether the process that wrote the lock still runs (and is the same process, where that can be told). */
function holds(holder: Holder): boolean {
  if (holder.pid === process.pid || !isAlive(holder.pid)) return false;
  const identity = identityOf(holder.pid);
  return holder.identity === null || identity === null || identity === holder.identity;
}

/** `holds`, asked again for a moment: a process just killed is torn down by the kernel in its own time. */
function stillHolds(holder: Holder): boolean {
  for (let waited = 0; waited < 1_000; waited += 50) {
    if (!holds(holder)) return false;
    pause(50);
  }
  return holds(holder);
}

const heldLocks = new Set<string>();

/**
 * Takes DATA_DIR's lock for this process, or throws DataDirLockedError naming the holder.
 * `shownAs` is DATA_DIR as the person gave it, for the message. The lock goes when the process
 * exits (any exit Node runs handlers for); a killed process leaves it, for the next to take over.
 */
export function lockDataDir(dataDir: string, shownAs: string = dataDir): DataDirLock {
  checkDataDir(dataDir, shownAs);
  const file = path.join(dataDir, LOCK_FILE);
  if (heldLocks.has(file)) throw new DataDirLockedError(shownAs, process.pid);
  const contents = `${process.pid}\n${identityOf(process.pid) ?? ''}\n`;
  for (;;) {
    try {
      const descriptor = fs.openSync(file, 'wx');
      try {
        fs.writeSync(descriptor, contents);
      } finally {
        fs.closeSync(descriptor);
      }
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code !== 'EEXIST')
        throw new DataDirUnusableError(
          `DATA_DIR ${shownAs} cannot be used: ${reasons[code] ?? code}. Herald must be able to read and write it.`,
        );
    }
    let before: fs.Stats;
    let holder: Holder | null;
    try {
      before = fs.statSync(file);
      holder = readHolder(file);
    } catch (error) {
      // Released between the two steps: try again.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (holder && stillHolds(holder)) throw new DataDirLockedError(shownAs, holder.pid);
    // Stale: removed only if it is still the file judged, so a process that took it over meanwhile keeps it.
    try {
      if (fs.statSync(file).ino === before.ino) fs.unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  heldLocks.add(file);
  const release = () => {
    if (!heldLocks.delete(file)) return;
    process.off('exit', release);
    try {
      if (readHolder(file)?.pid === process.pid) fs.unlinkSync(file);
    } catch {
      // Already gone (DATA_DIR removed): nothing left to release.
    }
  };
  process.on('exit', release);
  return { release };
}
