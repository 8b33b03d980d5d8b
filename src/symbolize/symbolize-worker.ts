/**
 * The worker thread of the in-process symbolizer: the language server hands it large debug files so that DWARF
 * decoding never blocks requests. One message in (debug file, addresses), one message out (frames or an error).
 */
import { parentPort } from 'node:worker_threads';
import { symbolizeInProcess, type SymbolFrame } from './builtin';

export interface WorkerRequest {
  debugFile: string;
  binary?: string;
  addresses: number[];
}

export type WorkerReply = { frames: [number, SymbolFrame[]][]; warnings: string[] } | { error: string };

parentPort?.once('message', (req: WorkerRequest) => {
  const warnings: string[] = [];
  let reply: WorkerReply;
  try {
    const frames = symbolizeInProcess(req.debugFile, req.addresses, {
      binary: req.binary,
      onWarning: (m) => warnings.push(m),
    });
    reply = { frames: [...frames], warnings };
  } catch (e) {
    reply = { error: (e as Error).message };
  }
  parentPort!.postMessage(reply);
});
