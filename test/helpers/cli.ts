// The `byline` command line as an operator runs it, in a child process, and throw-away data
// folders that are removed when the test file ends.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `byline ARGS` from the sources with the demo content (author: Mara Quill) on `dataDir`. */
export function byline(args: string[], dataDir: string): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, BYLINE_DATA_DIR: dataDir, BYLINE_SECRET: 'test-secret', BYLINE_CONTENT_DIR: 'content' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

/** A temporary-folder maker for one test file; every folder it made is removed after the file's tests. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), `byline-${prefix}-`));
    dirs.push(dir);
    return dir;
  };
}

/** Runs a command to its end, with its standard output and error together, as a reader of CI logs sees them. */
export function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}
