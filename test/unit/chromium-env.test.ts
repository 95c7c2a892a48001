/**
 * How the test set-up provisions the dashboard test's browser (test/support/chromium-env.ts), against a fake machine:
 * an installed chromium is used untouched; a fresh machine (no package lists) gets `apt-get update` then the install;
 * a non-root user goes through `sudo -n`; without apt or rights the reason is said and nothing is run.
 */
import { describe, expect, it } from 'vitest';
import { type ChromiumHost, ensureChromium } from '../support/chromium-env.js';

interface FakeMachine extends ChromiumHost {
  commands: string[];
}

/** `installed`: chromium present; `lists`: apt has package lists; `apt`, `sudo`: the commands exist and may run. */
function machine(state: { installed: boolean; lists: boolean; apt: boolean; root: boolean; sudo: boolean }) {
  const m: FakeMachine = {
    commands: [],
    isRoot: state.root,
    find: () => (state.installed ? '/usr/bin/chromium' : null),
    run(command, args) {
      m.commands.push([command, ...args].join(' '));
      const viaSudo = command === 'sudo';
      if (viaSudo && (!state.sudo || args[0] !== '-n')) return false;
      const [program, ...rest] = viaSudo ? args.slice(1) : [command, ...args];
      if (program !== 'apt-get' || !state.apt) return false;
      // apt-get --version runs for anyone; changing packages needs root
      if (!state.root && !viaSudo && rest[0] !== '--version') return false;
      if (rest.includes('update')) {
        state.lists = true;
        return true;
      }
      if (rest.includes('install')) {
        if (!state.lists) return false;
        state.installed = true;
      }
      return true;
    },
  };
  return m;
}

const quiet = () => {};

describe('chromium for the dashboard test', () => {
  it('uses an installed chromium without running apt', () => {
    const m = machine({ installed: true, lists: false, apt: true, root: true, sudo: false });
    expect(ensureChromium(quiet, m)).toEqual({ path: '/usr/bin/chromium' });
    expect(m.commands).toEqual([]);
  });

  it('on a fresh machine (no package lists) updates apt, installs, and finds it', () => {
    const m = machine({ installed: false, lists: false, apt: true, root: true, sudo: false });
    const lines: string[] = [];
    expect(ensureChromium((l) => lines.push(l), m)).toEqual({ path: '/usr/bin/chromium' });
    const apt = 'apt-get -o DPkg::Lock::Timeout=600';
    expect(m.commands).toEqual([
      'apt-get --version',
      `${apt} install -y --no-install-recommends chromium`,
      `${apt} update`,
      `${apt} install -y --no-install-recommends chromium`,
    ]);
    expect(lines.join('\n')).toMatch(/installing Debian chromium[\s\S]*chromium installed in \d+ s/);
  });

  it('as a non-root user installs through sudo -n', () => {
    const m = machine({ installed: false, lists: true, apt: true, root: false, sudo: true });
    expect(ensureChromium(quiet, m)).toEqual({ path: '/usr/bin/chromium' });
    expect(m.commands.at(-1)).toMatch(/^sudo -n apt-get .*install -y --no-install-recommends chromium$/);
  });

  it('says why when it cannot install: no apt, no rights, or apt failing', () => {
    const noApt = machine({ installed: false, lists: true, apt: false, root: true, sudo: false });
    expect(ensureChromium(quiet, noApt)).toEqual({
      path: null,
      reason: expect.stringMatching(/apt-get is unavailable/),
    });
    const noRights = machine({ installed: false, lists: true, apt: true, root: false, sudo: false });
    expect(ensureChromium(quiet, noRights)).toEqual({ path: null, reason: expect.stringMatching(/needs root/) });
    expect(noRights.commands.some((c) => c.includes('install'))).toBe(false);
    const broken: ChromiumHost = {
      isRoot: true,
      find: () => null,
      run: (_c, args) => args[0] === '--version',
    };
    expect(ensureChromium(quiet, broken)).toEqual({ path: null, reason: 'apt-get could not install chromium' });
  });
});
