/**
 * The Go toolchain the tests need (the Lambda Runtime Interface Emulator is built with `go install`, the Go client
 * e2e with `go run`), provisioned by the tests themselves: a machine with `go` on its PATH uses it; a fresh one gets
 * Go's own toolchain module from the Go module proxy (the same zip `GOTOOLCHAIN` downloads), unpacked once into
 * `.cache/go/` (gitignored) and put first on this process's PATH, which the test workers inherit.
 *
 * Invariants:
 * - Only the Go module proxy is contacted (GOPROXY's first entry, default proxy.golang.org), never go.dev.
 * - `.cache/go/` only ever holds a complete toolchain: it is unpacked into a partial folder and renamed into place.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** the toolchain a fresh machine gets; the module proxy serves it as golang.org/toolchain v0.0.1-go<version> */
const GO_VERSION = '1.26.8';
const ROOT = fileURLToPath(new URL('../../.cache/go', import.meta.url));
const MODULE = `golang.org/toolchain@v0.0.1-go${GO_VERSION}.linux-amd64`;

const hasGo = () => spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;

/** Makes `go` runnable for this process and its children; returns why it could not, or null. */
export async function ensureGo(): Promise<string | null> {
  if (hasGo()) return null;
  const bin = join(ROOT, MODULE, 'bin');
  if (!existsSync(join(bin, 'go'))) {
    if (process.platform !== 'linux' || process.arch !== 'x64') return `no go on the PATH (install Go ${GO_VERSION})`;
    const proxy = (process.env.GOPROXY ?? 'https://proxy.golang.org').split(/[,|]/)[0];
    const res = await fetch(`${proxy}/golang.org/toolchain/@v/v0.0.1-go${GO_VERSION}.linux-amd64.zip`);
    if (!res.ok) return `the Go module proxy answered ${res.status} for the Go ${GO_VERSION} toolchain`;
    const partial = `${ROOT}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const zip = join(partial, 'toolchain.zip');
    writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
    // Python's zipfile is on every machine the suite runs on (the S3 servers are Python); it drops modes: restore them
    execFileSync('python3', ['-m', 'zipfile', '-e', zip, partial]);
    rmSync(zip);
    markExecutable(join(partial, MODULE, 'bin'));
    markExecutable(join(partial, MODULE, 'pkg', 'tool'));
    rmSync(ROOT, { recursive: true, force: true });
    renameSync(partial, ROOT);
  }
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ''}`;
  return hasGo() ? null : `the Go ${GO_VERSION} toolchain in ${ROOT} does not run`;
}

function markExecutable(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) markExecutable(path);
    else chmodSync(path, 0o755);
  }
}
