/**
 * Loaded by the extension host (extensionTestsPath) in code-server or in @vscode/test-electron's VS Code: the same
 * `run(): Promise<void>` contract. Runs every *.test.js beside it with mocha and writes a result file that the runner
 * trusts more than exit codes (code-server's logs have said "exit 0" for failing runs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const resultFile = process.env.PERF_HEAT_TEST_RESULT;
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.PERF_HEAT_TEST_GREP;
  if (grep) mocha.grep(grep);
  // Files are independent of each other's order (each sets up its own state, see helpers.ts). To check that,
  // PERF_HEAT_TEST_ORDER=reverse runs them backwards, and a list of name prefixes (`5,1,3`) runs those first, in
  // that order, then the rest.
  let files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  const order = process.env.PERF_HEAT_TEST_ORDER ?? '';
  if (order === 'reverse') files.reverse();
  else if (order) {
    const first = order.split(',').flatMap((p) => files.filter((f) => f.startsWith(p.trim())));
    files = [...new Set([...first, ...files])];
  }
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  const results: { passed: string[]; failed: { title: string; error: string }[]; ms?: number } = {
    passed: [],
    failed: [],
  };
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      results.ms = Date.now() - t0;
      if (resultFile) {
        fs.mkdirSync(path.dirname(resultFile), { recursive: true });
        fs.writeFileSync(resultFile, JSON.stringify(results, null, 1));
      }
      if (failures > 0) reject(new Error(`${failures} tests failed.`));
      else resolve();
    });
    runner.on('pass', (t) => results.passed.push(t.fullTitle()));
    runner.on('fail', (t, err: Error) =>
      results.failed.push({ title: t.fullTitle(), error: String(err?.stack ?? err) }),
    );
  });
}
