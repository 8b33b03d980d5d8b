/**
 * The Perf Heat language server: owns profiles and every computation on them. startServer() builds the one context
 * and hands it to every feature's `register(ctx)`; nothing runs at import, so a test can drive it over any
 * connection (main.ts is the process entry).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Emitter, TextDocuments, TextDocumentSyncKind, type Connection } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  FlagsChangedNotification,
  ProfileChangedNotification,
  type InitializationOptions,
  type ServerSettings,
} from '../protocol';
import { nestedGet, readSettings } from '../settings';
import { CSyntax } from '../engine/c-syntax';
import { ProfileService } from './profile-service';
import { FlagService } from './flags';
import { fileRoots, Workspace, type ServerContext } from './context';
import { notify } from './rpc';
import * as profileRequests from './profile-requests';
import * as workspaceIndex from './workspace-index';
import * as fileHeat from './file-heat';
import * as hotspots from './hotspots';
import * as hover from './hover';
import * as editorFeatures from './editor-features';
import * as exportReport from './export-report';
import * as addRecording from './add-recording';
import * as flags from './flags';
import * as diagnostics from './diagnostics';
import * as disassembly from './disassembly';
import * as experiment from './experiment';
import * as callGraph from './call-graph';
import * as callHierarchy from './call-hierarchy';

/** Every feature, registered in this order (flags keeps the engine's view of unsaved text before diagnostics read it). */
const FEATURES: { register(ctx: ServerContext): void }[] = [
  profileRequests,
  workspaceIndex,
  fileHeat,
  hotspots,
  hover,
  editorFeatures,
  exportReport,
  addRecording,
  flags,
  diagnostics,
  disassembly,
  experiment,
  callGraph,
  callHierarchy,
];

export function startServer(connection: Connection): ServerContext {
  const workspace = new Workspace();
  const documents = new TextDocuments(TextDocument);
  const profiles = new ProfileService(() => workspace.roots(), true);
  const flagService = new FlagService(() => workspace.roots());
  const emitters = {
    profile: new Emitter<void>(),
    flags: new Emitter<void>(),
    initialized: new Emitter<void>(),
    settings: new Emitter<void>(),
  };
  // The settings, pulled once and kept until the client says they changed. A pull is a round trip to the client,
  // which every load, heat and flag request would otherwise wait for (npm run bench:editor). Kept only for a client
  // that sends workspace/didChangeConfiguration (Perf Heat's does for perfHeat.*), and per first folder, which
  // relative paths resolve against.
  const settingsCache: { keep: boolean; root?: string; pulled?: Promise<ServerSettings> } = { keep: false };
  const ctx: ServerContext = {
    connection,
    documents,
    workspace,
    profiles,
    flags: flagService,
    // The wasm files sit next to the bundle (scripts/build.mjs copies them); a failure only loses function totals.
    syntax: CSyntax.create(syntaxWasm(__dirname)).catch((e: Error) => {
      connection.console.warn(`tree-sitter unavailable, no function totals: ${e.message}`);
      return undefined;
    }),
    settings: (fresh) => {
      const root = workspace.roots()[0];
      if (!settingsCache.keep) return pullSettings(connection, workspace);
      if (fresh || !settingsCache.pulled || settingsCache.root !== root)
        Object.assign(settingsCache, { root, pulled: pullSettings(connection, workspace) });
      return settingsCache.pulled!;
    },
    profileChanged: () => {
      notify(connection, ProfileChangedNotification, {
        profile: profiles.summary ?? null,
        baseline: profiles.baseline ?? null,
      });
      emitters.profile.fire();
    },
    flagsChanged: () => {
      notify(connection, FlagsChangedNotification, flagService.toggles());
      emitters.flags.fire();
    },
    onProfileChanged: emitters.profile.event,
    onFlagsChanged: emitters.flags.event,
    onInitialized: emitters.initialized.event,
    onSettingsChanged: emitters.settings.event,
  };

  connection.onInitialize((params) => {
    // Only file: folders are on disk; a virtual folder (vscode-vfs:, untitled:) is skipped rather than failing
    // initialize, which would leave every later request erroring.
    let roots = fileRoots((params.workspaceFolders ?? []).map((f) => f.uri));
    if (roots.length === 0 && params.rootUri) roots = fileRoots([params.rootUri]);
    workspace.initialize(
      roots,
      (params.initializationOptions ?? {}) as Partial<InitializationOptions>,
      params.capabilities.workspace?.workspaceFolders === true,
    );
    profiles.trusted = workspace.trusted;
    settingsCache.keep = params.capabilities.workspace?.didChangeConfiguration !== undefined;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        inlayHintProvider: true,
        codeLensProvider: { resolveProvider: false },
        documentSymbolProvider: true,
        callHierarchyProvider: true,
        semanticTokensProvider: { legend: { tokenTypes: ['comment'], tokenModifiers: [] }, full: true },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
    };
  });
  connection.onInitialized(() => emitters.initialized.fire());
  connection.onDidChangeConfiguration(() => {
    settingsCache.pulled = undefined;
    emitters.settings.fire();
  });

  for (const feature of FEATURES) feature.register(ctx);
  documents.listen(connection);
  connection.listen();
  return ctx;
}

/** The wasm files next to the bundle (scripts/build.mjs copies them there); run from source (tests), the packages'. */
function syntaxWasm(dir: string): string | { runtime: string; language: string } {
  if (existsSync(join(dir, 'tree-sitter-c.wasm'))) return dir;
  const modules = join(dir, '../../node_modules');
  return {
    runtime: join(modules, 'web-tree-sitter/web-tree-sitter.wasm'),
    language: join(modules, 'tree-sitter-c/tree-sitter-c.wasm'),
  };
}

/** workspace/configuration for `perfHeat`, typed by the shared schema; a wrong value is logged and defaulted. */
async function pullSettings(connection: Connection, workspace: Workspace): Promise<ServerSettings> {
  const section: unknown = await connection.workspace.getConfiguration('perfHeat').catch(() => undefined);
  const s = readSettings(nestedGet(section ?? {}), (m) => connection.console.warn(m));
  const roots = workspace.roots();
  const resolve = (p: string): string => (p.startsWith('/') || roots.length === 0 ? p : join(roots[0], p));
  const profile = s.profile || workspace.initProfile;
  return {
    profile: profile ? resolve(profile) : '',
    binaryPaths: s.binaryPaths.map(resolve),
    pathRemaps: s.pathRemaps,
    addr2linePath: s.addr2linePath,
    symbolizer: s.symbolizer,
    llvmSymbolizerPath: s.llvmSymbolizerPath,
    flagDefines: s['flags.defines'],
    compileCommands: s.compileCommands,
    makeVariables: s['make.variables'],
    reportGroups: s['report.groups'],
  };
}
