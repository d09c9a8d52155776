import { spawn } from 'node:child_process';
import path from 'node:path';

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a child process: this one's without vitest's own variables (and without
 * `drop`), the Node that runs the tests first on PATH, and `extra` on top.
 */
export function childEnvironment(extra: Record<string, string>, drop: readonly string[] = []): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VITEST') && key !== 'TEST_DATABASE_URL' && key !== 'NODE_OPTIONS' && !drop.includes(key)) environment[key] = value;
  }
  return { ...environment, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, ...extra };
}

/** Runs a TypeScript entry (`src/cli.ts`, `scripts/server.ts`, …) with the project's tsx, and collects what it printed. */
export function runTsx(args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  const cwd = process.cwd();
  const tsx = path.join(cwd, 'node_modules', '.bin', 'tsx');
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
