/**
 * Strata's gRPC API through the official Rust client (the `qdrant-client` crate, pinned in
 * test/clients/rust/Cargo.toml and Cargo.lock), running the operations and assertions of test/support/client-e2e.ts.
 *
 * The test set-up builds the program with `cargo build --locked` (crates from crates.io on first use, cached by
 * cargo afterwards; build output in the repository's gitignored .cache/cargo-target). Without `cargo` (on the PATH
 * or in ~/.cargo/bin, where rustup puts it) the suite is skipped, and says so.
 */
import { execFile, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { clientE2e } from '../support/client-e2e.js';

const CARGO = ['cargo', join(homedir(), '.cargo', 'bin', 'cargo')].find(
  (c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0,
);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TARGET = join(ROOT, '.cache/cargo-target');

describe.skipIf(CARGO === undefined)('Rust client (qdrant-client crate) over gRPC', () => {
  const suite = clientE2e('rust', () => ({ file: join(TARGET, 'debug', 'strata-rust-client-e2e'), args: [] }));

  beforeAll(async () => {
    // cold (empty cargo cache and target): 2.5 min of CPU, minutes of wall time on 2 cores; warm: under a second
    // asynchronously: a build blocking this worker's event loop for minutes would time out vitest's own RPC
    await promisify(execFile)(
      CARGO as string,
      ['build', '--locked', '--manifest-path', join(ROOT, 'test/clients/rust/Cargo.toml')],
      { timeout: 1_500_000, maxBuffer: 64 << 20, env: { ...process.env, CARGO_TARGET_DIR: TARGET } },
    );
    await suite.start();
  }, 1_560_000);

  afterAll(() => suite.stop());

  suite.tests();
});

describe.skipIf(CARGO !== undefined)('Rust client', () => {
  it('skipped: no `cargo` on the PATH or in ~/.cargo/bin (install Rust to run the Rust client e2e)', () => {});
});
