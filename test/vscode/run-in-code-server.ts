/**
 * Runs the in-VS-Code suite inside code-server's extension host, with headless Chromium as the workbench.
 * Exit code: 0 all passed, 1 a test failed, 2 the host could not run the tests. Prints `N passed, N failed` last.
 */
import { chromium, type BrowserContext } from 'playwright-core';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { CHROMIUM_ARGS, DEMO_WORKSPACE, ROOT, startCodeServer, workbenchUrl, type CodeServer } from './host';

const TIMEOUT_MS = Number(process.env.PERF_HEAT_VSCODE_TIMEOUT ?? 300_000);

async function main(): Promise<number> {
  const t0 = Date.now();
  const lap = (m: string): void => console.log(`[vscode ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
  let cs: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let code = 2;
  try {
    cs = await startCodeServer({
      testDriver: true,
      // The benchmark installs an extension that does nothing, whose activation is VS Code's own floor.
      ...(process.env.PERF_HEAT_EXTENSIONS_DIR ? { extensionsDir: process.env.PERF_HEAT_EXTENSIONS_DIR } : {}),
      env: (runDir) => ({
        PERF_HEAT_TEST_RESULT: join(runDir, 'result.json'),
        PERF_HEAT_TEST_GREP: process.env.PERF_HEAT_TEST_GREP ?? '',
        PERF_HEAT_TEST_ORDER: process.env.PERF_HEAT_TEST_ORDER ?? '',
        PERF_HEAT_ROOT: ROOT,
      }),
    });
    lap(`code-server up at ${cs.url}`);
    browser = await chromium.launchPersistentContext(join(cs.runDir, 'chrome'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const workbenchLog = join(cs.runDir, 'workbench.log');
    const done = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
        const line = format(...(args ?? []));
        appendFileSync(workbenchLog, `[${type}] ${line}\n`);
        if (process.env.PERF_HEAT_VERBOSE) console.log(line);
      });
      void page.exposeFunction('codeAutomationExit', (c: number) => resolve(c));
    });
    // The latency benchmark reuses this runner with its own entry point and a generated workspace.
    const tests = process.env.PERF_HEAT_TESTS_ENTRY ?? join(ROOT, 'out/test/vscode/suite/index.js');
    const workspace = process.env.PERF_HEAT_TEST_WORKSPACE ?? DEMO_WORKSPACE;
    await page.goto(workbenchUrl(cs, workspace, [['extensionTestsPath', cs.remote(tests)]]));
    let timer: NodeJS.Timeout | undefined;
    code = await Promise.race([
      done,
      new Promise<number>(
        (_, rej) => (timer = setTimeout(() => rej(new Error(`no result after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS)),
      ),
    ]);
    clearTimeout(timer);
  } catch (e) {
    console.error(`vscode tests: ${(e as Error).message}${cs ? ` (logs: ${cs.runDir})` : ''}`);
    code = 2;
  } finally {
    await browser?.close().catch(() => undefined);
    cs?.stop();
  }
  const resultFile = cs && join(cs.runDir, 'result.json');
  const r =
    resultFile && existsSync(resultFile)
      ? (JSON.parse(readFileSync(resultFile, 'utf8')) as {
          passed: string[];
          failed: { title: string; error: string }[];
        })
      : undefined;
  if (r) {
    for (const p of r.passed) console.log(`  ok   ${p}`);
    for (const f of r.failed)
      console.log(
        `  FAIL ${f.title}\n${f.error
          .split('\n')
          .map((l) => '       ' + l)
          .join('\n')}`,
      );
  }
  lap(`extension host exit code ${code}${cs ? `, logs in ${cs.runDir}` : ''}`);
  console.log(`${r?.passed.length ?? 0} passed, ${r ? r.failed.length : 1} failed`);
  return r && code === 0 && r.failed.length === 0 ? 0 : r ? 1 : 2;
}

// Exit once stdout has drained: a pipe (npm test tees it) would otherwise lose the last lines, the count among them.
main().then((c) => process.stdout.write('', () => process.exit(c)));
