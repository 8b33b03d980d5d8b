/**
 * "Perf Heat: Run Experiment" and "A/B This Flag" (the Flags view's context menu): the language server plans and
 * runs the experiment of `.vscode/perf-heat-experiments.json` (perfHeat/planExperiment, runExperiment); this side
 * refuses in an untrusted workspace, shows every command in a modal before it first runs (approvals remembered per
 * workspace, per command text), shows progress with Cancel and the commands' output in an Output channel, then
 * loads the recordings as comparison and baseline (perfHeat/loadProfile), writes the report of each variant
 * (perfHeat/exportReport with both perf stat files), and opens the stat table, the report and the source line that
 * changed most, with the Flags view's block A/B beside it.
 */
import * as vscode from 'vscode';
import {
  ExperimentOutputNotification,
  ExportReportRequest,
  HotspotsRequest,
  LoadProfileRequest,
  PlanExperimentRequest,
  RunExperimentRequest,
  WriteExperimentTemplateRequest,
  type ExperimentParams,
  type ExperimentPlanInfo,
  type FlagItem,
  type ProfileSummary,
} from '../protocol';
import type { FlagsNode } from './flags-view';
import { onNotification, send } from './rpc';
import type { Session } from './session';

export const EXPERIMENTS_FILE = '.vscode/perf-heat-experiments.json';
const APPROVED_KEY = 'perfHeat.experiment.approvedCommands';
/** Approvals kept per workspace (the oldest dropped beyond this). */
const MAX_APPROVED = 500;

/** What a finished experiment left: the files, and the profiles the server loaded. */
export interface ExperimentResult {
  plan: ExperimentPlanInfo;
  reports: string[];
  profile: ProfileSummary;
  baseline: ProfileSummary;
  /** The files the perf stat table shows (base first). */
  statFiles: string[];
}

/** Replaces the confirmation modal (tests): gets the commands not approved yet, answers whether to run them. */
export type ConfirmHook = (commands: { title: string; text: string; cwd: string }[]) => Promise<boolean>;

/** "A/B This Flag" takes a Flags view row, or (from code and tests) a flag name with the variant's value. */
export type AbArgument = FlagsNode | { flag: string; value?: string | null };

export class Experiments implements vscode.Disposable {
  /** Created on the first run, so the Output list has no empty channel until then. */
  private outputChannel: vscode.OutputChannel | undefined;
  private confirmHook: ConfirmHook | undefined;
  private nextRun = 1;
  private running = false;

  constructor(private readonly ctx: Session) {}

  dispose(): void {
    this.outputChannel?.dispose();
  }

  private get channel(): vscode.OutputChannel {
    return (this.outputChannel ??= vscode.window.createOutputChannel('Perf Heat Experiment'));
  }

  /** Tests: answer the confirmation instead of the modal (undefined: the modal again). */
  confirmWith(hook: ConfirmHook | undefined): void {
    this.confirmHook = hook;
  }

  /** Tests: every command asks again. */
  async forgetApprovals(): Promise<void> {
    await this.ctx.extension.workspaceState.update(APPROVED_KEY, undefined);
  }

  /** Perf Heat: Run Experiment — the workspace's experiments file; which experiment when it has several. */
  async runExperiment(
    arg?: vscode.Uri | { config?: string; experiment?: string },
  ): Promise<ExperimentResult | undefined> {
    if (!this.trusted()) return undefined;
    const config = arg instanceof vscode.Uri ? arg.fsPath : (arg?.config ?? (await this.configFile(activeFolder())));
    if (!config) return undefined;
    const experiment = arg instanceof vscode.Uri ? undefined : arg?.experiment;
    return this.run({ config, experiment }, undefined, experiment === undefined);
  }

  /**
   * A/B This Flag: the experiments file's build and benchmark (its first experiment), the current build (with the
   * user's toggles) as the base, and the base with this flag flipped (0 ↔ 1; another value is asked for).
   */
  async abFlag(arg?: AbArgument): Promise<ExperimentResult | undefined> {
    if (!this.trusted()) return undefined;
    const state = this.ctx.flagsView.current();
    const name = arg && 'kind' in arg ? (arg.kind === 'flag' ? arg.flag.name : undefined) : arg?.flag;
    if (!name) {
      void vscode.window.showInformationMessage(
        'Perf Heat: right-click a flag in the Flags view and choose A/B This Flag.',
      );
      return undefined;
    }
    const item: FlagItem | undefined =
      arg && 'kind' in arg && arg.kind === 'flag' ? arg.flag : state?.flags.find((f) => f.name === name);
    let value: string | null | undefined = arg && !('kind' in arg) ? arg.value : undefined;
    if (value === undefined) {
      const now = item?.value ?? null;
      if (now === null || /^[01]$/.test(now.trim())) value = isOn(now) ? '0' : '1';
      else {
        const typed = await vscode.window.showInputBox({
          title: `Perf Heat: A/B ${name}`,
          prompt: `The variant's value (the base keeps ${now}); empty to undefine it`,
          value: now,
        });
        if (typed === undefined) return undefined;
        value = typed.trim() === '' ? null : typed.trim();
      }
    }
    const folder = (state && vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(state.uri))) ?? activeFolder();
    const config = await this.configFile(folder, { name, value });
    if (!config) return undefined;
    // The user's toggles are part of the build they look at: the base gets them too (shown in the commands).
    const baseDefines = Object.fromEntries(
      (state?.flags ?? []).filter((f) => f.overridden && f.name !== name).map((f) => [f.name, f.value]),
    );
    if (state?.preset)
      this.channel.appendLine(
        `note: the Flags view shows the build ${state.preset}; the experiment builds with its own build command (${EXPERIMENTS_FILE}), plus your toggles`,
      );
    return this.run({ config, ab: { flag: name, value, baseDefines } }, state?.uri);
  }

  private trusted(): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showErrorMessage(
      "Perf Heat runs experiments only in a trusted workspace: they build and run this workspace's programs (Manage Workspace Trust to allow it).",
    );
    return false;
  }

  /** The folder's experiments file; when there is none, offers to write a starting one and opens it. */
  private async configFile(
    folder: vscode.WorkspaceFolder | undefined,
    flag?: { name: string; value: string | null },
  ): Promise<string | undefined> {
    if (!folder) {
      void vscode.window.showInformationMessage(
        'Perf Heat: open a folder first: experiments are described in its .vscode/perf-heat-experiments.json.',
      );
      return undefined;
    }
    const uri = vscode.Uri.joinPath(folder.uri, EXPERIMENTS_FILE);
    const exists = await vscode.workspace.fs.stat(uri).then(
      () => true,
      () => false,
    );
    if (exists) return uri.fsPath;
    const write = await vscode.window.showInformationMessage(
      `Perf Heat: ${folder.name} has no ${EXPERIMENTS_FILE}, which says how to build a variant and run the benchmark. Write a starting one to edit?`,
      'Write One',
    );
    if (write !== 'Write One') return undefined;
    const { client } = await this.ctx.ensureStarted();
    await send(client, WriteExperimentTemplateRequest, { config: uri.fsPath, ...(flag ? { flag } : {}) });
    await vscode.window.showTextDocument(uri);
    void vscode.window.showInformationMessage(
      `Perf Heat: edit the build and benchmark commands in ${EXPERIMENTS_FILE}, then run the experiment again.`,
    );
    return undefined;
  }

  /** `focus`: the source file (URI) to open with the comparison, for A/B This Flag the file whose flag it was. */
  private async run(params: ExperimentParams, focus?: string, pick = false): Promise<ExperimentResult | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage(
        'Perf Heat: an experiment is running already (cancel it from its notification).',
      );
      return undefined;
    }
    this.running = true;
    try {
      const { client } = await this.ctx.ensureStarted();
      let plan: ExperimentPlanInfo;
      try {
        plan = await send(client, PlanExperimentRequest, params);
        if (pick && plan.experiments.length > 1) {
          const chosen = await vscode.window.showQuickPick(plan.experiments, {
            title: 'Perf Heat: Run Experiment',
            placeHolder: `which experiment of ${vscode.workspace.asRelativePath(params.config)}`,
          });
          if (!chosen) return undefined;
          params = { ...params, experiment: chosen };
          plan = await send(client, PlanExperimentRequest, params);
        }
      } catch (e) {
        return this.fail('could not read the experiment', e);
      }
      if (!(await this.confirm(plan))) return undefined;
      const runId = this.nextRun++;
      const ch = this.channel;
      ch.show(true);
      ch.appendLine(
        `== experiment ${plan.experiment}: ${plan.variants.map((v) => v.name + describeChanges(v.changes)).join(' vs ')} (in ${plan.cwd})`,
      );
      const cancel = new vscode.CancellationTokenSource();
      const ran = await vscode.window
        .withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: `Perf Heat: experiment ${plan.experiment}`,
            cancellable: true,
          },
          async (progress, token) => {
            token.onCancellationRequested(() => cancel.cancel());
            const sub = onNotification(client, ExperimentOutputNotification, (o) => {
              if (o.runId !== runId) return;
              if (o.text !== undefined) ch.append(o.text);
              if (o.step !== undefined) {
                const s = plan.steps[o.step];
                ch.appendLine(`[${o.step + 1}/${plan.steps.length}] ${s.title}\n+ ${s.text}`);
                progress.report({
                  message: `${o.step + 1}/${plan.steps.length}: ${s.title}`,
                  increment: o.step ? 100 / plan.steps.length : 0,
                });
              }
            });
            try {
              await send(
                client,
                RunExperimentRequest,
                { ...params, runId, confirmed: plan.steps.map((s) => s.text) },
                cancel.token,
              );
              progress.report({ message: 'loading the recordings and writing the report' });
              return await this.afterRun(plan, focus);
            } finally {
              sub.dispose();
              cancel.dispose();
            }
          },
        )
        .then(
          (r) => r,
          (e: unknown) => e as Error,
        );
      if (ran instanceof Error) {
        if ((ran as { code?: number }).code === -32800) {
          ch.appendLine(`== cancelled: ${ran.message}`);
          return undefined;
        }
        ch.appendLine(`== failed: ${ran.message}`);
        return this.fail('experiment failed', ran);
      }
      ch.appendLine(`== done: ${ran.reports.join(', ')}`);
      return ran;
    } finally {
      this.running = false;
    }
  }

  /** The modal with every command not approved before in this workspace; approving remembers them. */
  private async confirm(plan: ExperimentPlanInfo): Promise<boolean> {
    const state = this.ctx.extension.workspaceState;
    const approved = state.get<string[]>(APPROVED_KEY, []);
    const key = (text: string): string => `${plan.cwd}\n${text}`;
    const fresh = plan.steps.filter((s) => !approved.includes(key(s.text)));
    if (fresh.length === 0) return true;
    const commands = fresh.map((s) => ({ ...s, cwd: plan.cwd }));
    const ok = this.confirmHook
      ? await this.confirmHook(commands)
      : (await vscode.window.showWarningMessage(
          `Perf Heat will run ${fresh.length === plan.steps.length ? 'these commands' : `these ${fresh.length} commands (the others were approved before)`} in ${plan.cwd}`,
          { modal: true, detail: fresh.map((s) => `${s.title}:\n${s.text}`).join('\n\n') },
          'Run',
        )) === 'Run';
    if (ok) await state.update(APPROVED_KEY, [...approved, ...fresh.map((s) => key(s.text))].slice(-MAX_APPROVED));
    return ok;
  }

  /** Each variant against the base: loaded, its report written; then the views opened on the last pair. */
  private async afterRun(plan: ExperimentPlanInfo, focus?: string): Promise<ExperimentResult> {
    const { client } = await this.ctx.ensureStarted();
    const [base, ...others] = plan.variants;
    const reports: string[] = [];
    let profile: ProfileSummary | undefined;
    let baseline: ProfileSummary | undefined;
    for (const [i, v] of others.entries()) {
      profile = await this.ctx.load(v.perfData);
      baseline ??= await send(client, LoadProfileRequest, { path: base.perfData, role: 'baseline' });
      const { path, builds, experiment } = plan.reports[i];
      const r = await send(client, ExportReportRequest, {
        output: path,
        statFiles: [base.statFile, v.statFile],
        builds,
        experiment,
      });
      this.channel.appendLine(
        `report ${others.length > 1 ? `of ${v.name} ` : ''}written to ${r.output} (${r.bytes} bytes)`,
      );
      reports.push(r.output);
    }
    await this.show(plan, reports, focus);
    const statFiles = this.ctx.stat.current()?.uris.map((u) => u.fsPath) ?? [];
    return { plan, reports, profile: profile!, baseline: baseline!, statFiles };
  }

  /**
   * The source on the left with the diff heat (for A/B This Flag the file whose flag it was, at its line that
   * changed most; else the workspace's line that changed most) and the Flags view's block A/B for it; the report
   * and, over it, the perf stat table on the right.
   */
  private async show(plan: ExperimentPlanInfo, reports: string[], focus?: string): Promise<void> {
    const client = this.ctx.client!;
    const hot = await send(client, HotspotsRequest, { event: 0 }).catch(() => null);
    const changes = (hot?.changes?.lines ?? []).filter((l) => l.uri);
    const lines = (hot?.files ?? []).flatMap((f) => f.lines).filter((l) => l.uri);
    const top = focus
      ? (changes.find((l) => l.uri === focus) ?? lines.find((l) => l.uri === focus) ?? { uri: focus, line: 0 })
      : (changes[0] ?? lines[0]);
    for (const r of reports)
      await vscode.window.showTextDocument(vscode.Uri.file(r), { viewColumn: vscode.ViewColumn.Two, preview: true });
    try {
      // Opens in the active column: the report's, on the right.
      await this.ctx.stat.open(plan.variants.map((v) => vscode.Uri.file(v.statFile)));
    } catch (e) {
      this.channel.appendLine(`perf stat table: ${(e as Error).message}`);
    }
    if (top?.uri) {
      const editor = await vscode.window.showTextDocument(vscode.Uri.parse(top.uri), {
        viewColumn: vscode.ViewColumn.One,
        preview: false,
      });
      const pos = new vscode.Position(top.line, 0);
      editor.selection = new vscode.Selection(pos, pos);
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
    }
    await vscode.commands.executeCommand('perfHeat.flags.focus').then(undefined, () => undefined);
    await this.ctx.flagsView.refresh();
  }

  private fail(what: string, e: unknown): undefined {
    const message = e instanceof Error ? e.message : String(e);
    this.ctx.output.error(`experiment: ${message}`);
    void vscode.window
      .showErrorMessage(`Perf Heat: ${what}: ${message}`, 'Show Output')
      .then((a) => a && this.channel.show(true));
    return undefined;
  }
}

function activeFolder(): vscode.WorkspaceFolder | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
}

function describeChanges(c: Record<string, string | null>): string {
  const parts = Object.entries(c).map(([k, v]) => (v === null ? `-U${k}` : `${k}=${v}`));
  return parts.length ? ` (${parts.join(' ')})` : '';
}

function isOn(value: string | null): boolean {
  return value !== null && value.trim() !== '' && value.trim() !== '0';
}
