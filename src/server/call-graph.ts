/**
 * perfHeat/callGraph (callers and callees with inclusive cost, for the hotspot panel) and perfHeat/setFilter (the
 * sample filter: tid, comm, CPU, time; the active profile is read again with it).
 */
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { CallGraphRequest, SetFilterRequest, type CallGraphInfo } from '../protocol';
import { findFunctions } from '../model/call-graph';
import type { ServerContext } from './context';
import { callGraphView } from './call-graph-view';
import { LoadCancelled } from './profile-service';
import { onRequest } from './rpc';

export function register(ctx: ServerContext): void {
  const { connection, profiles } = ctx;

  onRequest(connection, CallGraphRequest, ({ event, function: fn, limit = 50 }): CallGraphInfo | null => {
    const summary = profiles.summary;
    const view = callGraphView(profiles.heatMap, profiles.mapper);
    if (!summary || !view) return null;
    const e = Math.max(0, Math.min(event, summary.events.length - 1));
    const g = view.graph;
    const chosen = fn
      ? findFunctions(g, fn.name, fn.dso)
      : g.functions
          .map((_, i) => i)
          .filter((i) => (g.functions[i]!.inclusive[e] ?? 0) > 0)
          .sort(
            (a, b) =>
              g.functions[b]!.inclusive[e]! - g.functions[a]!.inclusive[e]! ||
              g.functions[a]!.name.localeCompare(g.functions[b]!.name),
          )
          .slice(0, limit);
    const per = Math.min(limit, 20);
    return {
      profileId: summary.id,
      events: summary.events.map((x) => x.name),
      ...(summary.filter ? { filter: summary.filter } : {}),
      functions: chosen.map((i) => ({
        ...view.info(i),
        callers: view.neighbours(i, 'callers', e, per),
        callees: view.neighbours(i, 'callees', e, per),
      })),
    };
  });

  onRequest(connection, SetFilterRequest, async ({ filter }, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    try {
      const summary = await profiles.setFilter(filter ?? undefined, await ctx.settings(), abort.signal);
      ctx.profileChanged();
      return summary ?? null;
    } catch (e) {
      if (e instanceof LoadCancelled) throw new ResponseError(LSPErrorCodes.RequestCancelled, e.message);
      throw e;
    }
  });
}
