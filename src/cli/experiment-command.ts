/**
 * `perf-heat experiment CONFIG [--experiment NAME] [--variant NAME]… [--ab FLAG=VALUE] [--out DIR] [--dry-run]`:
 * the A/B loop of an allocator engineer, as the editor's "Perf Heat: Run Experiment" runs it (engine/experiment*.ts):
 * build every variant into its own folder, run the benchmark under `perf stat -x, -r N` and `perf record`, then
 * write the report of each variant against the base with `perf-heat report`'s own entry point. Every command is
 * printed before it runs; output goes to stderr; stdout gets where the results are. Ctrl-C stops the running
 * command (its whole process group) and exits 130. `--init CONFIG` writes a starting file.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { experimentTemplate, prepareExperiment, reportBuilds, type ReportBuild } from '../engine/experiment';
import { workspaceFolderOf } from '../engine/experiment-config';
import { ExperimentCancelled, runPlan } from '../engine/experiment-run';
import { reportCommand } from './report-command';

export const EXPERIMENT_USAGE = `  experiment CONFIG   build each variant of an A/B experiment (.vscode/perf-heat-experiments.json) into its own
                      folder, run the benchmark under perf stat -r N and perf record, and write the report of
                      each variant against the base; prints every command before it runs, then the report's path
      --experiment NAME   which experiment of the file (default: the first)
      --variant NAME      run only this variant beside the base (repeatable)
      --ab FLAG=VALUE     A/B one flag: the base against the base with FLAG=VALUE (FLAG= undefines it)
      --out DIR           the variants' folders go under DIR instead of the experiment's outDir
      --dry-run           print the commands and the files they would write; run nothing
      --init              write a starting CONFIG to edit (refuses to overwrite one)`;

class ExperimentUsageError extends Error {}

export async function experimentCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  signal?: AbortSignal,
): Promise<number> {
  let values;
  let config: string;
  let ab: { flag: string; value: string | null } | undefined;
  try {
    let positionals: string[];
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        experiment: { type: 'string' },
        variant: { type: 'string', multiple: true, default: [] },
        ab: { type: 'string' },
        out: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        init: { type: 'boolean', default: false },
      },
    }));
    if (positionals.length !== 1)
      throw new ExperimentUsageError('experiment takes one experiments file (e.g. .vscode/perf-heat-experiments.json)');
    config = positionals[0];
    if (values.ab !== undefined) {
      const m = /^([A-Za-z_]\w*)=(.*)$/s.exec(values.ab);
      if (!m) throw new ExperimentUsageError(`--ab takes FLAG=VALUE (FLAG= to undefine it), got "${values.ab}"`);
      if (values.variant.length)
        throw new ExperimentUsageError('--ab and --variant do not go together: --ab makes its own variant');
      ab = { flag: m[1], value: m[2] === '' ? null : m[2] };
    }
  } catch (e) {
    err(`perf-heat: ${(e as Error).message}\n\nusage: perf-heat experiment CONFIG [options]\n${EXPERIMENT_USAGE}`);
    return 2;
  }
  if (values.init) {
    if (existsSync(config)) {
      err(`perf-heat: ${config} exists: edit it, or remove it first`);
      return 1;
    }
    mkdirSync(dirname(config), { recursive: true });
    writeFileSync(config, experimentTemplate(workspaceFolderOf(config), ab && { name: ab.flag, value: ab.value }));
    out(`wrote ${config}: edit its build and benchmark commands, then run perf-heat experiment ${config}`);
    return 0;
  }
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  signal?.addEventListener('abort', onSigint, { once: true });
  process.once('SIGINT', onSigint);
  try {
    const { experiment, plan } = await prepareExperiment({
      config,
      experiment: values.experiment,
      variants: values.variant,
      ab,
      outDir: values.out,
    });
    const rel = (p: string): string => relative(experiment.cwd, p) || '.';
    if (values['dry-run']) {
      out(`experiment ${plan.experiment} in ${experiment.cwd}`);
      for (const s of plan.steps) out(`${s.title}: ${s.text}`);
      for (const r of plan.reports) out(`report: ${r.path}`);
      return 0;
    }
    err(`experiment ${plan.experiment}: ${plan.variants.map((v) => v.name).join(' vs ')}, in ${plan.outDir}`);
    await runPlan(
      plan,
      {
        output: (t) => err(t.replace(/\n$/, '')),
        step: (i, s) => err(`[${i + 1}/${plan.steps.length}] ${s.title} (cwd ${experiment.cwd})\n+ ${s.text}`),
      },
      abort.signal,
    );
    const [base, ...others] = plan.variants;
    for (const [i, v] of others.entries()) {
      const r = plan.reports[i];
      const reportErrors: string[] = [];
      const common = [
        v.perfData,
        '--baseline',
        base.perfData,
        '--stat',
        base.statFile,
        '--stat',
        v.statFile,
        '--source-root',
        experiment.workspaceFolder,
        '-o',
        r.path,
      ];
      // Each build's flags as the experiment made them, and what it flipped (the report checks the two agree).
      const builds = reportBuilds(plan, v.name);
      const side = (b: ReportBuild, s: 'a' | 'b'): string[] => [
        ...(b.makefile ? [`--makefile-${s}`, b.makefile] : []),
        ...(b.target ? [`--target-${s}`, b.target] : []),
        ...(b.makeVariables ?? []).flatMap((m) => [`--make-var-${s}`, m]),
        ...(b.flags !== undefined ? [`--flags-${s}=${b.flags}`] : []),
      ];
      const withBuilds = [
        ...common,
        ...side(builds.a, 'a'),
        ...side(builds.b, 'b'),
        ...builds.flipped.flatMap((f) => ['--flipped', f]),
        '--experiment',
        builds.name,
      ];
      let code = await reportCommand(
        withBuilds,
        () => undefined,
        (s) => reportErrors.push(s),
      );
      if (code !== 0) {
        // The builds' flags could not be read: the report without them beats no report.
        err(
          `perf-heat: the report could not read the builds' flags (${reportErrors.join('; ')}); writing it without them`,
        );
        reportErrors.length = 0;
        code = await reportCommand(
          common,
          () => undefined,
          (s) => reportErrors.push(s),
        );
      }
      for (const s of reportErrors) err(s);
      if (code !== 0) return code;
      out(
        `${v.name} vs ${base.name}: profiles ${rel(base.perfData)}, ${rel(v.perfData)}; perf stat ${rel(base.statFile)}, ${rel(v.statFile)}`,
      );
      out(`report: ${r.path}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ExperimentCancelled) {
      err(`perf-heat: ${e.message}`);
      return 130;
    }
    err(`perf-heat: ${(e as Error).message}`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    signal?.removeEventListener('abort', onSigint);
  }
}
