/**
 * `npm start`: packages the extension, installs it into a private code-server, and serves a real VS Code on
 * 127.0.0.1 with the demo workspace, whose settings load its recorded profile. Ctrl-C stops everything.
 */
import { join } from 'node:path';
import { DEMO_WORKSPACE, ROOT, installExtension, startCodeServer } from '../test/vscode/host';

async function main(): Promise<void> {
  const extensionsDir = join(ROOT, '.vscode-test', 'start-extensions');
  installExtension(extensionsDir);
  const port = Number(process.env.PERF_HEAT_PORT ?? 0) || undefined;
  const cs = await startCodeServer({ port, extensionsDir, userSettings: { 'workbench.colorTheme': 'Default Dark Modern' } });
  const url = `${cs.url}/?folder=${encodeURIComponent(DEMO_WORKSPACE)}`;
  console.log(`\nPerf Heat demo: open ${url}\n(the mini-hz3 workspace with its recorded profile; Ctrl-C stops the server)\n`);
  const stop = (): void => {
    cs.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  cs.process.on('exit', (code) => {
    console.error(`code-server exited (${code}); logs in ${cs.runDir}`);
    process.exit(1);
  });
}

main().catch((e: Error) => {
  console.error(`npm start: ${e.message}`);
  process.exit(1);
});
