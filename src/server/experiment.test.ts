/**
 * perfHeat/planExperiment and runExperiment over in-memory streams: an untrusted workspace is refused with one line;
 * a trusted one streams each step and the commands' output as notifications tagged with the run, writes what perf
 * stat and perf record write, and cancelling the request stops the running command (RequestCancelled).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancellationTokenSource, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import {
  ExperimentOutputNotification,
  PlanExperimentRequest,
  RunExperimentRequest,
  WriteExperimentTemplateRequest,
  type ExperimentOutput,
  type ExperimentPlanInfo,
} from '../protocol';
import { initialize, inProcessServer } from './testing/in-process';

const ROOT = join(__dirname, '../..');
const hasPerf = ((): boolean => {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function server(folder: string, trusted: boolean): Promise<{ client: ProtocolConnection; close(): void }> {
  const { client, close } = inProcessServer();
  client.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
  await initialize(client, folder, { trusted });
  return { client, close };
}

/** A workspace whose "build" writes a shell script into the variant's folder and whose benchmark runs it. */
function workspace(bench: string): string {
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'out/experiment-server-'));
  mkdirSync(join(dir, '.vscode'));
  const x = {
    experiments: [
      {
        name: 'tiny',
        build: `mkdir -p \${outDir} && echo \${defines} > \${outDir}/defines && printf '%s\\n' '${bench}' 'echo defines: "$*"' > \${outDir}/bench.sh`,
        benchmark: ['/bin/sh', '${outDir}/bench.sh', '${defines}'],
        perfStat: { events: ['task-clock'], repeat: 2 },
        perfRecord: { options: ['-e', 'cpu-clock', '-F', '1000'] },
        variants: [{ name: 'on', defines: { FLAG: 1 } }],
      },
    ],
  };
  writeFileSync(join(dir, '.vscode/perf-heat-experiments.json'), JSON.stringify(x));
  return dir;
}

test(
  'runExperiment: refused untrusted; trusted, steps and output stream as notifications and the outputs are written',
  { skip: !hasPerf && 'needs perf', timeout: 120_000 },
  async () => {
    const dir = workspace('true');
    const config = join(dir, '.vscode/perf-heat-experiments.json');
    const untrusted = await server(dir, false);
    try {
      const plan = (await untrusted.client.sendRequest(PlanExperimentRequest.method, { config })) as ExperimentPlanInfo;
      assert.deepEqual(
        plan.steps.map((s) => s.title),
        ['build base', 'build on', 'perf stat base', 'perf stat on', 'perf record base', 'perf record on'],
        'planning runs nothing, so it is allowed',
      );
      await assert.rejects(
        untrusted.client.sendRequest(RunExperimentRequest.method, { config, runId: 1 }),
        /failed with message: experiments run only in a trusted workspace: their builds and benchmarks are programs of this workspace$/,
      );
      assert.ok(!existsSync(join(dir, '.perf-heat')), 'nothing ran');
    } finally {
      untrusted.close();
    }
    const trusted = await server(dir, true);
    try {
      const seen: ExperimentOutput[] = [];
      trusted.client.onNotification(ExperimentOutputNotification.method, (o: ExperimentOutput) => void seen.push(o));
      const shown = (await trusted.client.sendRequest(PlanExperimentRequest.method, { config })) as ExperimentPlanInfo;
      const confirmed = shown.steps.map((s) => s.text);
      await assert.rejects(
        trusted.client.sendRequest(RunExperimentRequest.method, {
          config,
          runId: 6,
          confirmed: [...confirmed.slice(0, -1), 'rm -rf ~'],
        }),
        /changed since its commands were shown: run the experiment again/,
      );
      assert.ok(!existsSync(join(dir, '.perf-heat')), 'nothing ran that was not confirmed');
      const info = (await trusted.client.sendRequest(RunExperimentRequest.method, {
        config,
        runId: 7,
        confirmed,
      })) as ExperimentPlanInfo;
      assert.ok(seen.every((o) => o.runId === 7));
      assert.deepEqual(
        seen.filter((o) => o.step !== undefined).map((o) => o.step),
        [0, 1, 2, 3, 4, 5],
        'every step announced, in order',
      );
      const text = seen.map((o) => o.text ?? '').join('');
      assert.match(text, /defines: -UFLAG -DFLAG=1/, "the benchmark's output, with the variant's flags");
      for (const v of info.variants) {
        assert.ok(
          existsSync(v.statFile) && existsSync(v.perfData),
          `${v.name}: perf stat and perf record wrote their files`,
        );
      }
    } finally {
      trusted.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'runExperiment: cancelling the request stops the running benchmark',
  { skip: !hasPerf && 'needs perf', timeout: 120_000 },
  async () => {
    const dir = workspace('sleep 300');
    const s = await server(dir, true);
    try {
      const cancel = new CancellationTokenSource();
      s.client.onNotification(
        ExperimentOutputNotification.method,
        (o: ExperimentOutput) => void (o.step === 2 && setTimeout(() => cancel.cancel(), 300)),
      );
      await assert.rejects(
        s.client.sendRequest(
          RunExperimentRequest.method,
          { config: join(dir, '.vscode/perf-heat-experiments.json'), runId: 1 },
          cancel.token,
        ),
        (e: { code?: number; message: string }) => {
          assert.equal(e.code, -32800, e.message);
          assert.match(e.message, /experiment cancelled during perf stat base/);
          return true;
        },
      );
    } finally {
      s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'writeExperimentTemplate: a starting file that plans (the flag flipped in its variant), never over an existing one',
  { timeout: 60_000 },
  async () => {
    mkdirSync(join(ROOT, 'out'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'out/experiment-template-'));
    const s = await server(dir, false);
    try {
      const config = join(dir, '.vscode/perf-heat-experiments.json');
      await s.client.sendRequest(WriteExperimentTemplateRequest.method, {
        config,
        flag: { name: 'HZ3_S154_SPILL_PREFETCH', value: '0' },
      });
      const plan = (await s.client.sendRequest(PlanExperimentRequest.method, { config })) as ExperimentPlanInfo;
      assert.deepEqual(
        plan.variants.map((v) => [v.name, v.changes]),
        [
          ['base', {}],
          ['variant', { HZ3_S154_SPILL_PREFETCH: '0' }],
        ],
      );
      await assert.rejects(s.client.sendRequest(WriteExperimentTemplateRequest.method, { config }), /exists already/);
    } finally {
      s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
