// One worker of run-node-tests.mjs (run under `--import tsx`): asks the parent for a test file, loads it into this
// process as a suite named after the file, and asks for the next one when that suite has finished, so two workers
// share the files as they go. node:test prints one summary for all. A file that fails to load becomes a failing
// test named after it, and the files after it still run.
import { relative, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

/** The next file to run, or null when there is none (the parent answers each 'next' with one message). */
const next = () =>
  new Promise((res) => {
    process.once('message', (m) => res(m.file));
    process.send({ type: 'next' });
  });

for (let file = await next(); file; file = await next()) {
  const name = relative(process.cwd(), resolve(file));
  const started = performance.now();
  await new Promise((finished) => {
    describe(name, async () => {
      after(() => {
        process.send({ type: 'done', file, ms: performance.now() - started });
        finished();
      });
      try {
        await import(pathToFileURL(resolve(file)).href);
      } catch (e) {
        test(`${name} loads`, () => {
          throw e;
        });
      }
    });
  });
}
process.disconnect();
