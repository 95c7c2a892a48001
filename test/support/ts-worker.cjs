// Worker-thread entry that loads a TypeScript module (workerData.entry) through tsx's CommonJS hook, which the
// thread gets from execArgv (`--import <tsx loader>`). A file, not an eval string, and CommonJS: on Node 20 an eval
// worker ignores --import, and tsx's ESM hooks are not active for a worker's ESM entry.
const { workerData } = require('node:worker_threads');
require(workerData.entry);
