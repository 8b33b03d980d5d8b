/**
 * perfHeat/addRecording: another recording of the active profile's build joins it as one profile ("Perf Heat: Add
 * Recording to Profile…"), so a cycles recording and a cache-misses recording give miss density and cache-miss heat
 * together. Refusals (build-ids differ, an event in both) reach the client as the request's error.
 */
import { AddRecordingRequest } from '../protocol';
import type { ServerContext } from './context';
import { onRequest } from './rpc';

export function register({ connection, profiles, settings, profileChanged }: ServerContext): void {
  onRequest(connection, AddRecordingRequest, async ({ path }, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    const summary = await profiles.addRecording(path, await settings(), abort.signal);
    profileChanged();
    return summary;
  });
}
