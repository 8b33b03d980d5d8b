/** Typed calls for the messages declared in src/protocol.ts, over vscode-languageclient's client. */
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Notification, Request } from '../protocol';

export function send<R>(client: LanguageClient, request: Request<void, R>): Promise<R>;
export function send<P, R>(
  client: LanguageClient,
  request: Request<P, R>,
  params: P,
  token?: vscode.CancellationToken,
): Promise<R>;
export function send<P, R>(
  client: LanguageClient,
  request: Request<P, R>,
  params?: P,
  token?: vscode.CancellationToken,
): Promise<R> {
  // An explicit `undefined` token would be sent as a second positional parameter: pass only what is there.
  if (params === undefined) return client.sendRequest<R>(request.method);
  return token ? client.sendRequest<R>(request.method, params, token) : client.sendRequest<R>(request.method, params);
}

export function onNotification<P>(
  client: LanguageClient,
  notification: Notification<P>,
  handler: (params: P) => void,
): vscode.Disposable {
  return client.onNotification(notification.method, handler);
}

export function notify<P>(client: LanguageClient, notification: Notification<P>, params: P): Promise<void> {
  return client.sendNotification(notification.method, params);
}
