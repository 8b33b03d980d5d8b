/**
 * Loading, clearing, switching and comparing profiles (perfHeat/loadProfile, clearProfile, listProfiles,
 * activateProfile, setBaseline), workspace trust, and — for clients other than Perf Heat's own (Neovim, Emacs…),
 * which only have settings — loading `perfHeat.profile` at start and whenever the settings change.
 */
import {
  ActivateProfileRequest,
  ClearProfileRequest,
  ListProfilesRequest,
  LoadProfileRequest,
  SetBaselineRequest,
  TrustChangedNotification,
} from '../protocol';
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { ServerContext } from './context';
import { LoadCancelled } from './profile-service';
import { onNotification, onRequest } from './rpc';

export function register(ctx: ServerContext): void {
  const { connection, profiles } = ctx;

  onRequest(connection, LoadProfileRequest, async ({ path, role, freshSettings }, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    try {
      const summary = await profiles.load(path, await ctx.settings(freshSettings), abort.signal, role);
      ctx.profileChanged();
      return summary;
    } catch (e) {
      // A cancelled or superseded load installed nothing: say so as LSP does, not as a failure of the file.
      if (e instanceof LoadCancelled) throw new ResponseError(LSPErrorCodes.RequestCancelled, e.message);
      throw e;
    }
  });
  onRequest(connection, ClearProfileRequest, () => {
    profiles.clear();
    ctx.profileChanged();
  });
  onRequest(connection, ListProfilesRequest, () => ({
    profiles: profiles.list(),
    activeId: profiles.summary?.id,
    baselineId: profiles.baseline?.id,
  }));
  onRequest(connection, ActivateProfileRequest, ({ id }) => {
    const summary = profiles.activate(id);
    ctx.profileChanged();
    return summary;
  });
  onRequest(connection, SetBaselineRequest, ({ id }) => {
    profiles.setBaseline(id ?? undefined);
    ctx.profileChanged();
  });
  onNotification(connection, TrustChangedNotification, ({ trusted }) => {
    profiles.trusted = trusted;
  });

  /** Failures go to window/showMessage: the user of another editor sees them there. */
  const loadConfiguredProfile = async (): Promise<void> => {
    if (ctx.workspace.clientLoadsProfile) return;
    const s = await ctx.settings();
    if (!s.profile) return;
    try {
      const summary = await profiles.load(s.profile, s);
      ctx.profileChanged();
      for (const w of summary.warnings) connection.console.warn(w);
    } catch (e) {
      if (e instanceof LoadCancelled) return; // a later settings change started a newer load
      void connection.window.showErrorMessage(`Perf Heat could not load the profile: ${(e as Error).message}`);
    }
  };
  ctx.onInitialized(() => void loadConfiguredProfile());
  ctx.onSettingsChanged(() => void loadConfiguredProfile());
}
