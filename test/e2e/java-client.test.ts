/**
 * Strata's gRPC API through the official Java client (`io.qdrant:client`, pinned with its transport in
 * test/clients/java/pom.xml), running the operations and assertions of test/support/client-e2e.ts.
 *
 * The test set-up builds the program with Maven, resolving from Maven Central into a local repository under the
 * repository's gitignored .cache/m2 (so a fresh clone needs nothing but Maven Central), then runs it with `java`.
 * Without `mvn` or `java` on the PATH the suite is skipped, and says so.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { clientE2e } from '../support/client-e2e.js';

const runs = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const JAVA_AVAILABLE = runs('java', ['-version']) && runs('mvn', ['-v']);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const POM = join(ROOT, 'test/clients/java/pom.xml');
/** the pom's <build><directory> */
const TARGET = join(ROOT, '.cache/java-client-target');

describe.skipIf(!JAVA_AVAILABLE)('Java client (io.qdrant:client) over gRPC', () => {
  const suite = clientE2e('java', () => {
    const deps = readFileSync(join(TARGET, 'classpath.txt'), 'utf8').trim();
    return { file: 'java', args: ['-cp', `${join(TARGET, 'classes')}${delimiter}${deps}`, 'strata.Main'] };
  });

  beforeAll(async () => {
    // cold (nothing in .cache/m2): 49 MB in about 1.5 min here; warm: about 12 s of CPU (Maven's start-up and compile)
    // asynchronously: a build blocking this worker's event loop for minutes would time out vitest's own RPC
    await promisify(execFile)(
      'mvn',
      [
        '-B',
        '-q',
        `-Dmaven.repo.local=${join(ROOT, '.cache/m2')}`,
        '-f',
        POM,
        'compile',
        'dependency:build-classpath',
        `-Dmdep.outputFile=${join(TARGET, 'classpath.txt')}`,
      ],
      { timeout: 600_000, maxBuffer: 64 << 20 },
    );
    await suite.start();
  }, 660_000);

  afterAll(() => suite.stop());

  suite.tests();
});

describe.skipIf(JAVA_AVAILABLE)('Java client', () => {
  it('skipped: no `java` and `mvn` on the PATH (install a JDK 17+ and Maven to run the Java client e2e)', () => {});
});
