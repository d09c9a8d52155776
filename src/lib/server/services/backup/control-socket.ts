import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Database } from '../../db';
import { writeBackup, type BackupSummary } from './write-backup';

/**
 * The embedded database allows one process per DATA_DIR, so while the server runs, `herald backup`
 * asks it for the backup over a unix socket in DATA_DIR (mode 0600: only the server's user). The
 * client sends one line, `backup`; the server answers with frames: a type byte, a 4-byte length,
 * the payload. `D` carries backup bytes, `S` the summary (JSON) and ends the answer, `E` an error.
 */

const SOCKET_NAME = 'herald-control.sock';
const HEADER_BYTES = 5;
const REQUEST_TIMEOUT_MS = 10_000;

export function controlSocketPath(dataDir: string): string {
  return path.join(dataDir, SOCKET_NAME);
}

function frame(type: 'D' | 'S' | 'E', payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(type, 0, 'ascii');
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** Whether something answers on the socket file (a live server) or it is left over from a process that died. */
function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => {
      resolve(false);
    });
  });
}

/** Streams a backup of `db` to the client as frames, then the summary; an error becomes an `E` frame. */
async function answerBackup(db: Database, socket: net.Socket): Promise<void> {
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (socket.write(frame('D', chunk))) done();
      else socket.once('drain', () => done());
    },
  });
  try {
    const summary = await writeBackup(db, output);
    socket.end(frame('S', Buffer.from(JSON.stringify(summary))));
  } catch (error) {
    socket.end(frame('E', Buffer.from(error instanceof Error ? error.message : String(error))));
  }
}

export interface ControlSocket {
  /** Stops listening and removes the socket file. */
  close(): Promise<void>;
}

/**
 * Listens on `DATA_DIR/herald-control.sock` for backup requests. A socket file nobody answers on
 * (left by a process that died) is replaced; one a live process answers on is an error.
 */
export async function serveControlSocket(options: { dataDir: string; db: Database }): Promise<ControlSocket> {
  const socketPath = controlSocketPath(options.dataDir);
  if (fs.existsSync(socketPath)) {
    if (await answers(socketPath)) throw new Error(`Another Herald process answers on ${socketPath}`);
    fs.rmSync(socketPath, { force: true });
  }
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    // A client that never says what it wants is let go.
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
    let request = '';
    socket.on('data', function onData(chunk: Buffer) {
      request += chunk.toString('utf8');
      if (!request.includes('\n')) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      if (request.trim() === 'backup') void answerBackup(options.db, socket);
      else socket.end(frame('E', Buffer.from(`unknown request ${JSON.stringify(request.trim().slice(0, 40))}`)));
    });
  });
  // The socket is created with the mode the umask leaves: nobody but this user may connect.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  fs.chmodSync(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        fs.rmSync(socketPath, { force: true });
      }),
  };
}

/** Reads the server's frames: backup bytes into `file`, resolving with the summary. */
function readAnswer(socket: net.Socket, output: fs.WriteStream): Promise<BackupSummary> {
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= HEADER_BYTES) {
        const length = pending.readUInt32BE(1);
        if (pending.length < HEADER_BYTES + length) break;
        const type = pending.toString('ascii', 0, 1);
        const payload = pending.subarray(HEADER_BYTES, HEADER_BYTES + length);
        pending = pending.subarray(HEADER_BYTES + length);
        if (type === 'D') {
          if (!output.write(payload)) {
            socket.pause();
            output.once('drain', () => socket.resume());
          }
        } else if (type === 'S') {
          const summary = JSON.parse(payload.toString('utf8')) as Omit<BackupSummary, 'createdAt'> & { createdAt: string };
          settle(() => {
            resolve({ ...summary, createdAt: new Date(summary.createdAt) });
          });
        } else {
          settle(() => {
            reject(new Error(`the running server could not write the backup: ${payload.toString('utf8')}`));
          });
        }
      }
    });
    socket.on('error', (error) => {
      settle(() => {
        reject(error);
      });
    });
    socket.on('close', () => {
      settle(() => {
        reject(new Error('the running server closed the connection before the backup was complete'));
      });
    });
  });
}

/**
 * Asks the server holding `dataDir` for a backup and writes it to `file` (through `file.partial`,
 * flushed to disk and renamed, so `file` is never half written). Resolves with the summary.
 */
export async function requestBackupFromServer(dataDir: string, file: string): Promise<BackupSummary> {
  const socketPath = controlSocketPath(dataDir);
  const partial = `${file}.partial`;
  const socket = net.connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (error) => {
      reject(new Error(`the Herald server holding ${dataDir} does not answer on ${socketPath}: ${error.message}`));
    });
  });
  const output = fs.createWriteStream(partial, { mode: 0o600 });
  socket.write('backup\n');
  try {
    const summary = await readAnswer(socket, output);
    await new Promise<void>((resolve, reject) => {
      output.end((error?: Error | null) => {
        if (error) reject(error);
        else resolve();
      });
    });
    const handle = await fs.promises.open(partial, 'r+');
    await handle.sync();
    await handle.close();
    await fs.promises.rename(partial, file);
    return summary;
  } catch (error) {
    output.destroy();
    await fs.promises.rm(partial, { force: true });
    throw error;
  } finally {
    socket.destroy();
  }
}
