import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureVenvSet, requirementsStamp, TEST_PYTHON_REQUIREMENTS, type VenvSet } from '../support/python-env.js';

let root: string;
let builds: number;

/** A set whose "build" writes a fake interpreter per env (no network, no Python) and counts itself. */
function fakeSet(stamp: string, build?: (dir: string) => void): VenvSet {
  return {
    dir: join(root, '.venv-test'),
    stamp,
    required: ['a/bin/python', 'b/bin/python'],
    note: () => 'setting up...',
    build:
      build ??
      ((dir) => {
        builds++;
        for (const env of ['a', 'b']) {
          mkdirSync(join(dir, env, 'bin'), { recursive: true });
          writeFileSync(join(dir, env, 'bin', 'python'), `${stamp}\n`);
        }
      }),
  };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'strata-python-env-'));
  builds = 0;
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('test Python environments (.venv-test/)', () => {
  it('builds once with a one-line note, then reuses the set while the stamp is unchanged', () => {
    const lines: string[] = [];
    const first = ensureVenvSet(fakeSet('v1'), (t) => lines.push(t));
    expect(first.provisioned).toBe(true);
    expect(lines.join('')).toMatch(/^setting up\.\.\. done in \d+ s\n$/);
    const again = ensureVenvSet(fakeSet('v1'), (t) => lines.push(t));
    expect(again.provisioned).toBe(false);
    expect(builds).toBe(1);
    expect(readdirSync(root)).toEqual(['.venv-test']);
  });

  it('rebuilds the whole set when a pin (the stamp) changes', () => {
    ensureVenvSet(fakeSet('v1'), () => {});
    expect(ensureVenvSet(fakeSet('v2'), () => {}).provisioned).toBe(true);
    expect(builds).toBe(2);
    expect(readFileSync(join(root, '.venv-test', 'a', 'bin', 'python'), 'utf8')).toBe('v2\n');
    expect(readdirSync(root)).toEqual(['.venv-test']);
  });

  it('rebuilds when an interpreter of the set no longer resolves (its base Python was removed)', () => {
    ensureVenvSet(fakeSet('v1'), () => {});
    rmSync(join(root, '.venv-test', 'b', 'bin', 'python'));
    expect(ensureVenvSet(fakeSet('v1'), () => {}).provisioned).toBe(true);
    expect(builds).toBe(2);
  });

  it('a failed build leaves neither a half set nor a partial folder, and keeps the previous set', () => {
    ensureVenvSet(fakeSet('v1'), () => {});
    const failing = fakeSet('v2', (dir) => {
      mkdirSync(join(dir, 'a', 'bin'), { recursive: true });
      throw new Error('no network');
    });
    const lines: string[] = [];
    expect(() => ensureVenvSet(failing, (t) => lines.push(t))).toThrow('no network');
    expect(lines.join('')).toBe('setting up... failed\n');
    expect(readdirSync(root)).toEqual(['.venv-test']);
    expect(readFileSync(join(root, '.venv-test', 'a', 'bin', 'python'), 'utf8')).toBe('v1\n');
    // and the next run builds v2 for real
    expect(ensureVenvSet(fakeSet('v2'), () => {}).provisioned).toBe(true);
  });

  it('a set without its stamp (a run killed mid-build) is not trusted, and dead runs leave no partial behind', () => {
    const unstamped = join(root, '.venv-test');
    for (const env of ['a', 'b']) mkdirSync(join(unstamped, env, 'bin'), { recursive: true });
    for (const env of ['a', 'b']) writeFileSync(join(unstamped, env, 'bin', 'python'), '');
    // pid 2^22 + 1 is above Linux's pid_max default ceiling, so no process has it
    mkdirSync(join(root, `.venv-test.partial-${2 ** 22 + 1}`));
    expect(ensureVenvSet(fakeSet('v1'), () => {}).provisioned).toBe(true);
    expect(builds).toBe(1);
    expect(readdirSync(root)).toEqual(['.venv-test']);
    expect(existsSync(join(root, '.venv-test', 'requirements.stamp'))).toBe(true);
  });

  it('keeps a set another run finished meanwhile instead of replacing it', () => {
    const other = fakeSet('v1');
    const racing = fakeSet('v1', (dir) => {
      builds++;
      // the other run completes while this one is still building
      ensureVenvSet(other, () => {});
      mkdirSync(join(dir, 'a', 'bin'), { recursive: true });
      writeFileSync(join(dir, 'a', 'bin', 'python'), 'mine\n');
      mkdirSync(join(dir, 'b', 'bin'), { recursive: true });
      writeFileSync(join(dir, 'b', 'bin', 'python'), 'mine\n');
    });
    expect(ensureVenvSet(racing, () => {}).provisioned).toBe(true);
    expect(readFileSync(join(root, '.venv-test', 'a', 'bin', 'python'), 'utf8')).toBe('v1\n');
    expect(readdirSync(root)).toEqual(['.venv-test']);
  });

  it('the stamp names every pin, so changing one rebuilds', () => {
    const stamp = requirementsStamp();
    for (const pins of Object.values(TEST_PYTHON_REQUIREMENTS)) for (const pin of pins) expect(stamp).toContain(pin);
    expect(stamp).toContain('localstack-core[runtime]==4.14.0');
    expect(stamp).toContain('moto[server]==5.2.1');
  });
});
