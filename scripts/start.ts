/**
 * `npm start [-- FOLDER]`: packages the extension, installs it into a private code-server, and serves a real
 * VS Code on 127.0.0.1 with FOLDER open — `PERF_HEAT_WORKSPACE` when no folder is given, else the demo workspace,
 * whose settings load its recorded profile. Ctrl-C stops everything.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEMO_WORKSPACE, ROOT, installExtension, startCodeServer } from '../test/vscode/host';

/** The folder to serve: argument, environment, or the demo. Relative paths are from where `npm start` was typed. */
function workspaceFolder(): string {
  const given = process.argv[2] ?? process.env.PERF_HEAT_WORKSPACE;
  if (!given) return DEMO_WORKSPACE;
  // npm runs scripts in the package's folder; INIT_CWD is the folder the user typed the command in.
  const folder = resolve(process.env.INIT_CWD ?? process.cwd(), given);
  if (!existsSync(folder)) throw new Error(`${folder}: no such folder`);
  if (!statSync(folder).isDirectory())
    throw new Error(`${folder}: not a folder (give the project's folder; set perfHeat.profile for the profile)`);
  return folder;
}

/** What a user's own folder still needs, said at start rather than discovered in the editor. */
function profileHint(folder: string): string {
  const settings = join(folder, '.vscode', 'settings.json');
  const text = existsSync(settings) ? readFileSync(settings, 'utf8') : '';
  if (/"perfHeat\.profile"\s*:\s*"[^"]+"/.test(text)) return '';
  return `\nNo perfHeat.profile in ${settings}: load a profile with "Perf Heat: Load Profile…", or set it there, e.g.\n  { "perfHeat.profile": "perf.data", "perfHeat.binaryPaths": ["build"] }\n(README: "Your own project").\n`;
}

async function main(): Promise<void> {
  const folder = workspaceFolder();
  const extensionsDir = join(ROOT, '.vscode-test', 'start-extensions');
  installExtension(extensionsDir);
  const port = Number(process.env.PERF_HEAT_PORT ?? 0) || undefined;
  const cs = await startCodeServer({
    port,
    extensionsDir,
    userSettings: { 'workbench.colorTheme': 'Default Dark Modern' },
  });
  const url = `${cs.url}/?folder=${encodeURIComponent(folder)}`;
  const what = folder === DEMO_WORKSPACE ? 'the mini-hz3 demo workspace with its recorded profile' : folder;
  console.log(
    `\nPerf Heat: open ${url}\n(${what}; Ctrl-C stops the server)\n${folder === DEMO_WORKSPACE ? '' : profileHint(folder)}`,
  );
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
