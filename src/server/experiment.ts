/**
 * perfHeat/planExperiment, runExperiment, writeExperimentTemplate: the A/B experiment of the workspace's
 * experiments file (engine/experiment*.ts, the same code as `perf-heat experiment`). Running is refused in an
 * untrusted workspace: builds and benchmarks are the workspace's own programs. The client shows the planned
 * commands before they first run, then loads the recordings with perfHeat/loadProfile and writes the report with
 * perfHeat/exportReport, as for profiles made by hand.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import {
  ExperimentOutputNotification,
  PlanExperimentRequest,
  RunExperimentRequest,
  WriteExperimentTemplateRequest,
  type ExperimentParams,
  type ExperimentPlanInfo,
} from '../protocol';
import { experimentTemplate, prepareExperiment, reportBuilds } from '../engine/experiment';
import { workspaceFolderOf } from '../engine/experiment-config';
import type { ExperimentPlan } from '../engine/experiment-plan';
import { ExperimentCancelled, runPlan } from '../engine/experiment-run';
import type { ServerContext } from './context';
import { notify, onRequest } from './rpc';

/** Output is forwarded in pieces of at most this many characters per notification. */
const CHUNK = 16_384;

export function register({ connection, profiles }: ServerContext): void {
  const plan = async (p: ExperimentParams): Promise<{ info: ExperimentPlanInfo; plan: ExperimentPlan }> => {
    const { experiment, plan, names } = await prepareExperiment({
      config: p.config,
      experiment: p.experiment,
      variants: p.variants,
      ab: p.ab,
    });
    const info: ExperimentPlanInfo = {
      experiment: plan.experiment,
      experiments: names,
      outDir: plan.outDir,
      cwd: experiment.cwd,
      steps: plan.steps.map((s) => ({ title: s.title, text: s.text })),
      variants: plan.variants.map((v) => ({
        name: v.name,
        changes: v.changes,
        perfData: v.perfData,
        statFile: v.statFile,
      })),
      reports: plan.reports.map((r) => {
        const b = reportBuilds(plan, r.variant);
        return { ...r, builds: { baseline: b.a, profile: b.b }, experiment: { name: b.name, flipped: b.flipped } };
      }),
    };
    return { info, plan };
  };

  onRequest(connection, PlanExperimentRequest, async (p) => (await plan(p)).info);

  onRequest(connection, RunExperimentRequest, async (p, token) => {
    if (!profiles.trusted)
      throw new Error(
        'experiments run only in a trusted workspace: their builds and benchmarks are programs of this workspace',
      );
    const { info, plan: planned } = await plan(p);
    // The file may have changed since the user saw its commands: run only what they confirmed.
    if (p.confirmed && p.confirmed.join('\n') !== info.steps.map((s) => s.text).join('\n')) {
      throw new Error(
        `${p.config} changed since its commands were shown: run the experiment again to see the new ones`,
      );
    }
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    try {
      await runPlan(
        planned,
        {
          output: (text) => {
            for (let i = 0; i < text.length; i += CHUNK)
              notify(connection, ExperimentOutputNotification, { runId: p.runId, text: text.slice(i, i + CHUNK) });
          },
          step: (index) => notify(connection, ExperimentOutputNotification, { runId: p.runId, step: index }),
        },
        abort.signal,
      );
    } catch (e) {
      if (e instanceof ExperimentCancelled) throw new ResponseError(LSPErrorCodes.RequestCancelled, e.message);
      throw e;
    }
    return info;
  });

  onRequest(connection, WriteExperimentTemplateRequest, async ({ config, flag }) => {
    if (existsSync(config)) throw new Error(`${config} exists already`);
    await mkdir(dirname(config), { recursive: true });
    await writeFile(config, experimentTemplate(workspaceFolderOf(config), flag));
  });
}
