/**
 * The system programs a benchmark drives (wrk, nginx, PostgreSQL's binaries): found at their
 * Debian paths or on PATH, else installed with apt-get when running as root, else a clear error
 * saying which package to install.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Debian's package tool, by its path. */
const APT_GET = '/usr/bin/apt-get';

function find(program: string, candidates: string[]): string | undefined {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const places = [...candidates, ...onPath.map((directory) => path.join(directory, program)), `/usr/sbin/${program}`];
  return places.find(executable);
}

/**
 * The path of `program`: the first of `candidates` that exists, else on PATH (or /usr/sbin), else
 * after `apt-get install -y <debianPackage>` when we are root.
 */
export function requireProgram(program: string, debianPackage: string, candidates: string[] = []): string {
  const found = find(program, candidates);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(`${program} is not installed: install Debian's ${debianPackage} (apt-get install -y ${debianPackage}) and run again`);
  }
  console.log(`installing ${debianPackage} with apt-get…`);
  const install = () =>
    spawnSync(APT_GET, ['install', '-y', '-q', debianPackage], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  let result = install();
  if (result.status !== 0) {
    // A fresh machine may have no package lists yet.
    spawnSync(APT_GET, ['update', '-q'], { stdio: 'ignore' });
    result = install();
  }
  const installed = find(program, candidates);
  if (result.status !== 0 || !installed) {
    throw new Error(`could not install ${debianPackage} for ${program}: ${result.stderr.trim().split('\n').at(-1) ?? 'apt-get failed'}`);
  }
  return installed;
}
