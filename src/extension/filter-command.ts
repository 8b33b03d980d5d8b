/**
 * Perf Heat: Filter Samples…: which thread (tid or comm), CPU and time range of the recording the heat, the
 * hotspot panel and the call graph show (perf report's --tid, --comm, --cpu, --time). The server reads the profile
 * again with the filter (perfHeat/setFilter); the status bar and the panel say which filter is on.
 */
import * as vscode from 'vscode';
import { SetFilterRequest, type SampleFilterParams } from '../protocol';
import { send } from './rpc';
import type { Session } from './session';

/** `1,3-5` → numbers; undefined when empty, an error message when malformed. */
function ids(text: string, what: string): number[] | string | undefined {
  if (!text.trim()) return undefined;
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) return `${what}: "${part.trim()}" is not a number or a range (1,3-5)`;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 65536) return `${what}: bad range "${part.trim()}"`;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/** `START,END` in seconds as perf script prints them → ns; either end may be empty. */
function timeRange(text: string): SampleFilterParams['time'] | string | undefined {
  if (!text.trim()) return undefined;
  const parts = text.split(',');
  if (parts.length !== 2) return 'time: START,END in seconds, as perf script prints them (1703.64,1704.5)';
  const [start, end] = parts.map((p) => (p.trim() ? Number(p.trim()) : undefined));
  if ([start, end].some((x) => x !== undefined && !Number.isFinite(x)))
    return `time: "${text}" is not START,END in seconds`;
  if (start !== undefined && end !== undefined && end < start) return 'time: the end is before the start';
  return {
    ...(start !== undefined ? { start: Math.round(start * 1e9) } : {}),
    ...(end !== undefined ? { end: Math.round(end * 1e9) } : {}),
  };
}

export function filterSamplesCommand(ctx: Session): () => Promise<void> {
  return async () => {
    const client = ctx.client;
    if (!client || !ctx.requireProfile()) return;
    const pick = await vscode.window.showQuickPick(
      [
        {
          label: '$(person) Thread…',
          description: 'tid or thread name (comm), as perf report --tid / --comm',
          by: 'thread' as const,
        },
        {
          label: '$(chip) CPU…',
          description: 'as perf report --cpu (needs a recording with CPU: perf record -a or --sample-cpu)',
          by: 'cpu' as const,
        },
        {
          label: '$(clock) Time range…',
          description: 'START,END in seconds as perf script prints them, as perf report --time',
          by: 'time' as const,
        },
        { label: '$(clear-all) All samples', description: 'no filter', by: 'none' as const },
      ],
      { title: 'Perf Heat: Filter Samples' },
    );
    if (!pick) return;
    const filter: SampleFilterParams = { ...(ctx.filter ?? {}) };
    if (pick.by === 'none') {
      await apply(ctx, null);
      return;
    }
    const prompts = {
      thread: 'tids (4242,4243) or thread names (cg-owner), comma-separated; empty for every thread',
      cpu: 'CPUs (0,2-3); empty for every CPU',
      time: 'START,END in seconds (1703.64,1704.5); either end may be empty',
    };
    const input = await vscode.window.showInputBox({
      title: `Perf Heat: Filter Samples by ${pick.by}`,
      prompt: prompts[pick.by],
    });
    if (input === undefined) return;
    if (pick.by === 'thread') {
      const parts = input
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const tids = parts.filter((p) => /^\d+$/.test(p)).map(Number);
      const comms = parts.filter((p) => !/^\d+$/.test(p));
      if (tids.length) filter.tids = tids;
      else delete filter.tids;
      if (comms.length) filter.comms = comms;
      else delete filter.comms;
    } else {
      const v = pick.by === 'cpu' ? ids(input, 'cpu') : timeRange(input);
      if (typeof v === 'string') {
        void vscode.window.showErrorMessage(`Perf Heat: ${v}`);
        return;
      }
      if (pick.by === 'cpu') {
        if (v) filter.cpus = v as number[];
        else delete filter.cpus;
      } else if (v) filter.time = v as SampleFilterParams['time'];
      else delete filter.time;
    }
    await apply(ctx, filter);
  };
}

async function apply(ctx: Session, filter: SampleFilterParams | null): Promise<void> {
  const client = ctx.client;
  if (!client) return;
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Perf Heat: reading the profile again with the filter' },
      () => send(client, SetFilterRequest, { filter }),
    );
    ctx.filter = filter ?? undefined;
  } catch (e) {
    void vscode.window.showErrorMessage(`Perf Heat could not apply the filter: ${(e as Error).message}`);
  }
}
