/**
 * Runs a planned experiment's commands one after another: no shell unless the user wrote a shell line, each in its
 * own process group (so that Cancel and the timeout stop make's compilers and the benchmark's threads too), output
 * streamed to a sink as it comes, bounded by the experiment's per-command timeout, cancellable with an AbortSignal.
 * A failed step is one line: what failed, how, and the last line it printed. When all succeeded, `experiment.json`
 * in the experiment's folder records each variant's flags, commands and files (for the report and for people). Used by the CLI
 * (`perf-heat experiment`) and the language server (perfHeat/runExperiment).
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExperimentPlan, PlannedStep } from './experiment-plan';

export interface RunSink {
  /** Output of the commands, as it comes (stdout and stderr, in chunks). */
  output(text: string): void;
  /** A step is about to run (index in plan.steps). */
  step?(index: number, step: PlannedStep): void;
}

export class ExperimentRunError extends Error {
  override name = 'ExperimentRunError';
  constructor(
    message: string,
    readonly step?: PlannedStep,
  ) {
    super(message);
  }
}

export class ExperimentCancelled extends Error {
  override name = 'ExperimentCancelled';
}

/** How long a stopped step has between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** What a failure quotes of a step's output. */
const TAIL_BYTES = 4_096;

export async function runPlan(plan: ExperimentPlan, sink: RunSink, signal?: AbortSignal): Promise<void> {
  for (const v of plan.variants) await mkdir(v.dir, { recursive: true });
  for (let i = 0; i < plan.steps.length; i++) {
    if (signal?.aborted) throw new ExperimentCancelled('experiment cancelled');
    const s = plan.steps[i];
    sink.step?.(i, s);
    for (const f of s.outputs) await rm(f, { force: true });
    await runStep(s, sink, plan.timeoutMs, signal);
  }
  await writeFile(join(plan.outDir, MANIFEST), JSON.stringify(manifest(plan), null, 2) + '\n');
}

/** Written beside the variants once every command succeeded: what was built with which flags, and where it all is. */
export const MANIFEST = 'experiment.json';

export function manifest(plan: ExperimentPlan): unknown {
  return {
    experiment: plan.experiment,
    variants: plan.variants.map((v) => ({
      name: v.name,
      defines: v.defines,
      changes: v.changes,
      build: plan.steps.find((s) => s.kind === 'build' && s.variant === v.name)?.text,
      perfData: v.perfData,
      perfStat: v.statFile,
    })),
    commands: plan.steps.map((s) => ({ title: s.title, cwd: s.cwd, text: s.text })),
    reports: plan.reports,
  };
}

/**
 * One command; resolves when it exits 0. perf stat's own error (an event this machine lacks) and a benchmark's
 * non-zero exit both fail the step: a result measured from a failed run is not a result.
 */
export function runStep(s: PlannedStep, sink: RunSink, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ExperimentCancelled('experiment cancelled'));
    const child = spawn(s.argv[0], s.argv.slice(1), {
      cwd: s.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // perf stat -x, prints numbers in the locale's format: in one with a decimal comma the CSV would be ambiguous.
      env: { ...process.env, LC_NUMERIC: 'C' },
    });
    let tail = '';
    const take = (d: Buffer): void => {
      const text = d.toString('utf8');
      tail = (tail + text).slice(-TAIL_BYTES);
      sink.output(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let stopped: 'cancelled' | 'timeout' | undefined;
    let killer: NodeJS.Timeout | undefined;
    const stop = (why: 'cancelled' | 'timeout'): void => {
      if (stopped || child.exitCode !== null) return;
      stopped = why;
      const group = (sig: NodeJS.Signals): void => {
        try {
          process.kill(-child.pid!, sig);
        } catch {
          // The group is gone already.
        }
      };
      group('SIGTERM');
      killer = setTimeout(() => group('SIGKILL'), KILL_GRACE_MS);
    };
    const onAbort = (): void => stop('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      clearTimeout(killer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      done();
      const why = e.code === 'ENOENT' ? `"${s.argv[0]}" was not found (is it installed and on PATH?)` : e.message;
      reject(new ExperimentRunError(`${s.title}: cannot start: ${why}`, s));
    });
    child.on('close', (code, sig) => {
      done();
      if (stopped === 'cancelled') return reject(new ExperimentCancelled(`experiment cancelled during ${s.title}`));
      if (stopped === 'timeout')
        return reject(
          new ExperimentRunError(
            `${s.title}: stopped after ${Math.round(timeoutMs / 1000)} s (the experiment's timeoutSeconds): ${s.text}`,
            s,
          ),
        );
      if (code === 0) return resolve();
      const last = lastLine(tail);
      reject(
        new ExperimentRunError(
          `${s.title} failed (${sig ? `killed by ${sig}` : `exit ${code}`}): ${s.text}${last ? ` — ${last}` : ''}`,
          s,
        ),
      );
    });
  });
}

/** The last line that says something (perf and make end with their error). */
function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}
