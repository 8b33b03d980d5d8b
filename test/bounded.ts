/**
 * Runs a hostile case in a child Node process with a generous timeout and heap limit, so a case that would hang or
 * exhaust memory fails its test (killed, or an out-of-memory abort) instead of stalling or crashing the test run.
 * The bound is deliberately loose — minutes and hundreds of MB for work that should take milliseconds and
 * kilobytes — so load on the machine never decides the outcome. The child prints one JSON line on stdout.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');

export interface BoundedResult {
  /** What the child printed as its last stdout line, parsed. */
  value?: unknown;
  /** Why there is no value: killed by the timeout, an abort, a stack dump. */
  failure?: string;
}

/**
 * `body` is the text of an async function body that loads project modules with `await load('src/…/x.ts')` (a path
 * relative to the repository root) and returns a JSON-able value.
 */
export function runBounded(body: string, opts: { timeoutMs?: number; heapMb?: number } = {}): BoundedResult {
  const code = `const root = ${JSON.stringify(ROOT)};\nconst load = async (rel) => { const m = await import(root + '/' + rel); return m.default && Object.keys(m).length === 1 ? m.default : m; };\n(async () => {\n${body}\n})().then((v) => { process.stdout.write('\\n' + JSON.stringify(v ?? null) + '\\n'); }, (e) => { process.stdout.write('\\n' + JSON.stringify({ thrown: String(e && e.message || e), name: e && e.name }) + '\\n'); });`;
  // The script goes in on stdin: a case may carry a megabyte of crafted bytes, more than argv can hold.
  const r = spawnSync(
    process.execPath,
    [`--max-old-space-size=${opts.heapMb ?? 512}`, '--import', 'tsx', '--input-type=module', '-'],
    {
      input: code,
      maxBuffer: 64 << 20,
      cwd: ROOT,
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 120_000,
      killSignal: 'SIGKILL',
    },
  );
  if (r.error || r.signal || r.status !== 0) {
    return {
      failure: `child ${r.signal ? 'killed by ' + r.signal : 'exited ' + r.status}${r.error ? ' (' + r.error.message + ')' : ''}: ${(r.stderr ?? '').slice(-400)}`,
    };
  }
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { value: JSON.parse(last) };
  } catch {
    return { failure: `child printed no result: ${r.stdout.slice(-200)} ${r.stderr.slice(-200)}` };
  }
}
