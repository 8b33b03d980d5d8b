/**
 * The same suite in a desktop VS Code downloaded by @vscode/test-electron, for machines that can reach Microsoft's
 * update server (these cannot: `getaddrinfo ENOTFOUND`). `npm run test:electron`.
 */
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { DEMO_WORKSPACE, ROOT } from './host';

runTests({
  extensionDevelopmentPath: ROOT,
  extensionTestsPath: join(ROOT, 'out/test/vscode/suite/index.js'),
  launchArgs: [DEMO_WORKSPACE, '--disable-extensions', '--disable-workspace-trust'],
  extensionTestsEnv: { PERF_HEAT_TEST_RESULT: join(ROOT, '.vscode-test/electron-result.json'), PERF_HEAT_ROOT: ROOT },
}).catch((e: Error) => {
  console.error(`test-electron: ${e.message}`);
  process.exit(1);
});
