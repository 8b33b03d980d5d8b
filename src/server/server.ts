/**
 * The Perf Heat language server: owns profiles and every computation on them. Started by the extension over IPC, or
 * by any LSP client with `--stdio`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  ActivateProfileRequest,
  ListProfilesRequest,
  SetBaselineRequest,
  ClearProfileRequest,
  FlagsChangedNotification,
  LoadProfileRequest,
  ProfileChangedNotification,
  TrustChangedNotification,
  type InitializationOptions,
  type ServerSettings,
} from '../protocol';
import { CSyntax } from '../engine/c-syntax';
import { ProfileService } from './profile-service';
import * as fileHeat from './file-heat';
import { notify, onNotification, onRequest } from './rpc';
import * as hotspots from './hotspots';
import * as hover from './hover';
import * as editorFeatures from './editor-features';
import * as exportReport from './export-report';
import * as flags from './flags';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let roots: string[] = [];
let profiles: ProfileService;
// The wasm files sit next to the bundle (scripts/build.mjs copies them); a failure only loses function totals.
const syntax: Promise<CSyntax | undefined> = CSyntax.create(__dirname).catch((e: Error) => {
  connection.console.warn(`tree-sitter unavailable, no function totals: ${e.message}`);
  return undefined;
});

connection.onInitialize((params) => {
  roots = (params.workspaceFolders ?? []).map((f) => fileURLToPath(f.uri));
  if (roots.length === 0 && params.rootUri) roots = [fileURLToPath(params.rootUri)];
  const init = (params.initializationOptions ?? {}) as Partial<InitializationOptions>;
  profiles = new ProfileService(() => roots, init.trusted !== false);
  fileHeat.register(connection, documents, profiles, syntax);
  hotspots.register(connection, profiles);
  flagService = new flags.FlagService(() => roots);
  hover.register(connection, profiles, flagService);
  editorFeatures.register(connection, documents, profiles, syntax, flagService);
  exportReport.register(connection, profiles, () => roots);
  flags.register(connection, documents, profiles, flagService);
  clientLoadsProfile = init.clientLoadsProfile === true;
  initProfile = typeof init.profile === 'string' ? init.profile : undefined;
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      inlayHintProvider: true,
      codeLensProvider: { resolveProvider: false },
      documentSymbolProvider: true,
      semanticTokensProvider: { legend: { tokenTypes: ['comment'], tokenModifiers: [] }, full: true },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
  };
});

let clientLoadsProfile = false;
let flagService: flags.FlagService | undefined;
let initProfile: string | undefined;

/**
 * Clients other than Perf Heat's own (Neovim, Emacs…) only have settings: the server loads `perfHeat.profile`
 * itself, at start and whenever the settings change, and reports failures with window/showMessage.
 */
async function loadConfiguredProfile(): Promise<void> {
  if (clientLoadsProfile) return;
  const s = await settings();
  const path = s.profile || initProfile;
  if (!path) return;
  try {
    const summary = await profiles.load(path, s);
    notifyChanged();
    for (const w of summary.warnings) connection.console.warn(w);
  } catch (e) {
    connection.window.showErrorMessage(`Perf Heat could not load the profile: ${(e as Error).message}`);
  }
}

connection.onDidChangeConfiguration(async () => {
  const s = await settings();
  if (flagService && s.flagDefines.join() !== flagService.settingDefines.join()) {
    flagService.settingDefines = s.flagDefines;
    notify(connection, FlagsChangedNotification, { preset: flagService.preset, overrides: Object.fromEntries(flagService.overrides) });
  }
  await loadConfiguredProfile();
});

connection.onInitialized(() => {
  void loadConfiguredProfile();
  void settings().then((s) => flagService && (flagService.settingDefines = s.flagDefines));
  connection.workspace.onDidChangeWorkspaceFolders((e) => {
    const removed = new Set(e.removed.map((f) => fileURLToPath(f.uri)));
    roots = [...roots.filter((r) => !removed.has(r)), ...e.added.map((f) => fileURLToPath(f.uri))];
  });
});

async function settings(): Promise<ServerSettings> {
  const s = ((await connection.workspace.getConfiguration('perfHeat').catch(() => undefined)) ?? {}) as Partial<ServerSettings>;
  const resolve = (p: string): string => (p.startsWith('/') || roots.length === 0 ? p : join(roots[0], p));
  return {
    profile: s.profile ? resolve(s.profile) : initProfile ? resolve(initProfile) : '',
    binaryPaths: (s.binaryPaths ?? []).map(resolve),
    pathRemaps: s.pathRemaps ?? {},
    addr2linePath: s.addr2linePath ?? '',
    flagDefines: (s as { flags?: { defines?: string[] } }).flags?.defines ?? [],
  };
}

const notifyChanged = (): void => {
  notify(connection, ProfileChangedNotification, { profile: profiles.summary ?? null, baseline: profiles.baseline ?? null });
};

onRequest(connection, LoadProfileRequest, async ({ path, role }, token) => {
  const abort = new AbortController();
  token.onCancellationRequested(() => abort.abort());
  const summary = await profiles.load(path, await settings(), abort.signal, role);
  notifyChanged();
  return summary;
});

onRequest(connection, ClearProfileRequest, () => {
  profiles.clear();
  notifyChanged();
});

onRequest(connection, ListProfilesRequest, () => ({ profiles: profiles.list(), activeId: profiles.summary?.id, baselineId: profiles.baseline?.id }));

onRequest(connection, ActivateProfileRequest, ({ id }) => {
  const summary = profiles.activate(id);
  notifyChanged();
  return summary;
});

onRequest(connection, SetBaselineRequest, ({ id }) => {
  profiles.setBaseline(id ?? undefined);
  notifyChanged();
});

onNotification(connection, TrustChangedNotification, ({ trusted }) => {
  profiles.trusted = trusted;
});

documents.listen(connection);
connection.listen();
