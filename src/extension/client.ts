/**
 * Starts the language server (dist/server.js) over IPC, and brings its state back when it restarts.
 *
 * The server owns every loaded profile, the baseline and the flag toggles; when it dies, vscode-languageclient
 * starts a fresh one that knows none of them. {@link recoverAfterRestart} drops what the extension drew from the
 * old server at once, then tells the new one what the user had: the profile, the baseline, the build and the
 * toggles. Each answer arrives as the usual profileChanged/flagsChanged notification, so the views redraw from it.
 */
import * as vscode from 'vscode';
import {
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  LoadProfileRequest,
  SelectPresetRequest,
  SetFilterRequest,
  SetFlagRequest,
  type InitializationOptions,
  type SampleFilterParams,
} from '../protocol';
import { send } from './rpc';

export function createClient(
  ctx: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  totalsAsLenses: () => boolean,
): LanguageClient {
  const module = ctx.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'file', language: 'cpp' },
    ],
    synchronize: { configurationSection: 'perfHeat' },
    outputChannel: output,
    // The hover's "Show disassembly" link runs this one command; no other command link in server text runs.
    markdown: { isTrusted: { enabledCommands: ['perfHeat.showDisassembly'] } },
    // Asked at every (re)start: a server restarted after the user trusted the workspace must know it.
    initializationOptions: (): InitializationOptions => ({
      trusted: vscode.workspace.isTrusted,
      clientLoadsProfile: true,
    }),
    // The server offers inlay hints and lenses for other editors; here decorations show the same, out of the way,
    // unless the user asked for totals as code lenses (perfHeat.totals.style).
    middleware: {
      provideInlayHints: () => [],
      provideDocumentSemanticTokens: () => undefined,
      provideCodeLenses: (document, token, next) => (totalsAsLenses() ? next(document, token) : []),
    },
  };
  return new LanguageClient('perfHeat', 'Perf Heat', serverOptions, clientOptions);
}

/** What the user had in the server, read when it goes down. */
export interface SessionState {
  active?: string;
  baseline?: string;
  /** The build the Flags view starts from, and the user's toggles, as the server last announced them. */
  flags?: { preset?: string; overrides: Record<string, string | null> };
  /** The sample filter (Filter Samples…) the profile was read with. */
  filter?: SampleFilterParams;
}

export interface RecoveryHooks {
  /** Read when the server goes down, before anything is dropped. */
  state(): SessionState;
  /** The server is gone: forget and undraw everything that came from it. */
  lost(): void;
  /** The state was sent again (or could not be); `errors` say what did not come back. */
  restored?(errors: string[]): void;
}

/**
 * Watches the client for a restart after a crash. Register it after `client.start()`: every Running state it sees
 * afterwards belongs to a restarted server.
 */
export function recoverAfterRestart(
  client: LanguageClient,
  output: vscode.LogOutputChannel,
  hooks: RecoveryHooks,
): vscode.Disposable {
  let saved: SessionState | undefined;
  return client.onDidChangeState(({ newState }) => {
    if (newState === State.Stopped || newState === State.Starting) {
      if (saved) return;
      saved = hooks.state();
      hooks.lost();
      output.warn('the Perf Heat server stopped; its heat is cleared until it restarts');
      return;
    }
    if (newState !== State.Running || !saved) return;
    const state = saved;
    saved = undefined;
    void restore(client, state, output).then((errors) => hooks.restored?.(errors));
  });
}

async function restore(
  client: LanguageClient,
  state: SessionState,
  output: vscode.LogOutputChannel,
): Promise<string[]> {
  output.info(
    `the Perf Heat server restarted: reloading ${[state.active, state.baseline && `baseline ${state.baseline}`].filter(Boolean).join(' and ') || 'nothing'}`,
  );
  const errors: string[] = [];
  const attempt = async (what: string, step: () => Promise<unknown>): Promise<void> => {
    try {
      await step();
    } catch (e) {
      errors.push(`${what}: ${(e as Error).message}`);
      output.error(`after the restart, ${what} failed: ${(e as Error).message}`);
    }
  };
  // Flags first: they do not depend on the profile, and the profile's redraw then shows them.
  const flags = state.flags;
  if (flags?.preset)
    await attempt(`selecting the build ${flags.preset}`, () =>
      send(client, SelectPresetRequest, { preset: flags.preset! }),
    );
  for (const [name, value] of Object.entries(flags?.overrides ?? {}))
    await attempt(`setting ${name}`, () => send(client, SetFlagRequest, { name, value }));
  // The filter before the profile: with nothing loaded the server only keeps it, and the loads below then use it.
  if (state.filter)
    await attempt('setting the sample filter again', () => send(client, SetFilterRequest, { filter: state.filter! }));
  if (state.active)
    await attempt(`reloading ${state.active}`, () => send(client, LoadProfileRequest, { path: state.active! }));
  if (state.baseline && state.baseline !== state.active) {
    await attempt(`reloading the baseline ${state.baseline}`, () =>
      send(client, LoadProfileRequest, { path: state.baseline!, role: 'baseline' }),
    );
  }
  return errors;
}
