/**
 * Perf Heat's extension entry: builds the session (views, status bar, the language client on first need) and
 * registers the command table. Every computation happens in the language server; this side only asks and draws.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Session, type PerfHeatApi } from './session';

export type { PerfHeatApi } from './session';

export function activate(extension: vscode.ExtensionContext): PerfHeatApi {
  const ctx = new Session(extension);
  registerCommands(ctx);
  // perfHeat.hasProfile is unset (false in `when` clauses) until the hotspot panel first refreshes.
  if (!vscode.workspace.isTrusted) {
    ctx.output.appendLine(
      'Untrusted workspace: no external program runs; the builtin symbolizer still maps every sample to its line (addr2line, llvm-symbolizer, cc -E and make wait for trust).',
    );
  }
  // The configured profile is read and loaded after activate() returns: reading resource-scoped settings builds
  // VS Code's merged configuration, which no command needs before it runs (npm run bench:editor measures this path).
  setTimeout(() => {
    const configured = ctx.config.profile;
    if (configured) void ctx.loadReportingErrors(configured);
  }, 0);
  return ctx.api();
}

export function deactivate(): void {
  // Everything is in the extension's subscriptions; the client stops when disposed.
}
