/** Typed handlers for the messages declared in src/protocol.ts, over vscode-languageserver's connection. */
import type { CancellationToken, Connection } from 'vscode-languageserver/node';
import type { Notification, Request } from '../protocol';

export function onRequest<P, R>(
  connection: Connection,
  request: Request<P, R>,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): void {
  // The generic string-method overload types params as `any`: the Request spec is what types them here.
  connection.onRequest(request.method, (params: unknown, token: CancellationToken): Promise<unknown> =>
    Promise.resolve(handler(params as P, token)),
  );
}

export function onNotification<P>(
  connection: Connection,
  notification: Notification<P>,
  handler: (params: P) => void,
): void {
  connection.onNotification(notification.method, (params: P) => handler(params));
}

export function notify<P>(connection: Connection, notification: Notification<P>, params: P): void {
  void connection.sendNotification(notification.method, params);
}
