/**
 * One Python client program run as a job: the test writes the job as JSON to its stdin, the program makes its calls
 * through an official client and prints one JSON answer. The tests' Python is the 'clients' venv
 * (python-env.ts); a program that exits non-zero, or outlives `timeoutMs` (killed), fails the test with its stderr.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { testPython } from './python-env.js';

export function runPythonJob<T>(script: string, job: unknown, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(testPython('clients'), [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${basename(script)} exited ${code}:\n${err}`));
      else resolve(JSON.parse(out) as T);
    });
    child.stdin.end(JSON.stringify(job));
  });
}
