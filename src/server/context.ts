/**
 * What every server feature is given: one context, built once by startServer(), passed to each feature's
 * `register(ctx)`. Features talk to each other only through it (the services and the change events), never through
 * module state.
 */
import { fileURLToPath } from 'node:url';
import type { Connection, Event, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { InitializationOptions, ServerSettings } from '../protocol';
import type { CSyntax } from '../engine/c-syntax';
import type { ProfileService } from './profile-service';
import type { FlagService } from './flags';

export interface ServerContext {
  readonly connection: Connection;
  /** The open editors' text (unsaved edits included), synced by the client. */
  readonly documents: TextDocuments<TextDocument>;
  readonly workspace: Workspace;
  readonly profiles: ProfileService;
  readonly flags: FlagService;
  /** tree-sitter for function spans; undefined when its wasm could not load (only function totals are lost). */
  readonly syntax: Promise<CSyntax | undefined>;
  /** The perfHeat.* settings, paths resolved against the first folder: pulled from the client, kept until it says they changed. */
  settings(fresh?: boolean): Promise<ServerSettings>;
  /** The active profile or the baseline changed: tells the client (perfHeat/profileChanged) and every feature. */
  profileChanged(): void;
  /** The flag view changed (toggle, preset, `-D` setting): tells the client (perfHeat/flagsChanged) and every feature. */
  flagsChanged(): void;
  readonly onProfileChanged: Event<void>;
  readonly onFlagsChanged: Event<void>;
  /** The client finished initializing: server-to-client requests (configuration, folders) may start. */
  readonly onInitialized: Event<void>;
  /** workspace/didChangeConfiguration (an LSP connection takes one handler per message: features share this one). */
  readonly onSettingsChanged: Event<void>;
}

/** The workspace folders and how the client started the server; written only by initialize and folder changes. */
export class Workspace {
  private folders: string[] = [];
  private options: Partial<InitializationOptions> = {};
  private folderEvents = false;

  roots(): string[] {
    return this.folders;
  }

  /** Perf Heat's own client loads profiles by request; for other clients the server loads `perfHeat.profile`. */
  get clientLoadsProfile(): boolean {
    return this.options.clientLoadsProfile === true;
  }

  /** The profile named in initializationOptions, for clients without workspace/configuration. */
  get initProfile(): string | undefined {
    return typeof this.options.profile === 'string' ? this.options.profile : undefined;
  }

  /** Untrusted unless the client says so: a client that knows nothing of trust must not make the server run programs. */
  get trusted(): boolean {
    return this.options.trusted === true;
  }

  /** The client sends workspace/didChangeWorkspaceFolders (vscode-languageserver throws if asked otherwise). */
  get sendsFolderChanges(): boolean {
    return this.folderEvents;
  }

  initialize(folders: string[], options: Partial<InitializationOptions>, sendsFolderChanges: boolean): void {
    this.folders = folders;
    this.options = options;
    this.folderEvents = sendsFolderChanges;
  }

  changeFolders(added: string[], removed: string[]): void {
    const gone = new Set(removed);
    this.folders = [...this.folders.filter((r) => !gone.has(r)), ...added];
  }
}

/** The paths of the file: URIs among workspace folder URIs (virtual folders have no path on disk). */
export function fileRoots(uris: string[]): string[] {
  return uris.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
}
