/**
 * A worker-thread "Lambda service" for acceptance tests: loads BUILT function bundles with Node's own ESM loader (not
 * the test runner's transform), each function in its own module instance (its own "container"), with the
 * function environment applied to this thread's copy of process.env, and serves them through the local Invoke API
 * (lambda-server.ts). Posts `{ url }` to the parent once listening; the parent drives it over HTTP (Invoke and
 * the `/_control/` routes) with the real SDK.
 *
 * workerData: { functions: { [name]: bundleFileUrl }, env: {...}, secrets?: {...}, timeouts?: {...} }
 * The functions' env gets STRATA_LAMBDA_ENDPOINT and AWS_ENDPOINT_URL_SECRETS_MANAGER pointing at this server.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startLambdaServer, type Handler } from './lambda-server.js';

interface HostSetup {
  functions: Record<string, string>;
  env: Record<string, string>;
  secrets?: Record<string, string>;
  timeouts?: Record<string, number>;
}

const setup = workerData as HostSetup;
Object.assign(process.env, setup.env);

const loaded = new Map<string, Promise<Handler>>();
function handlerOf(name: string): Handler {
  return async (event, context) => {
    let h = loaded.get(name);
    if (!h) {
      // the query string makes each function a separate module instance, as separate containers are
      h = import(`${setup.functions[name]}?function=${encodeURIComponent(name)}`).then(
        (m: { handler: Handler }) => m.handler,
      );
      loaded.set(name, h);
    }
    return (await h)(event, context);
  };
}

// no top-level await: the thread loads this file through tsx's CommonJS hook (see the acceptance test)
void startLambdaServer(Object.fromEntries(Object.keys(setup.functions).map((name) => [name, handlerOf(name)])), {
  ...(setup.secrets ? { secrets: setup.secrets } : {}),
  ...(setup.timeouts ? { timeouts: setup.timeouts } : {}),
}).then((server) => {
  process.env.STRATA_LAMBDA_ENDPOINT = server.url;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = server.url;
  parentPort?.postMessage({ url: server.url });
});
