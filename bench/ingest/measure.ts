/**
 * Timing and memory of a child command, and a reader for V8 CPU profiles. Wall time is taken around the spawn
 * (cold process, start-up included); CPU time and peak RSS come from GNU time, which reads them from wait4's rusage, so
 * a helper process (perf's or perf-heat's addr2line) is included in the CPU time, and the RSS is the largest
 * process of the tree. Without GNU time, RSS is polled from /proc (VmHWM of the direct child only).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';

export interface Measurement {
  wallS: number;
  /** user + sys of the command and its waited-for children; NaN when unknown. */
  cpuS: number;
  peakRssMB: number;
  exitCode: number;
  stderr: string;
}

export const GNU_TIME = ['/usr/bin/time', '/bin/time'].find(
  (t) => existsSync(t) && spawnSync(t, ['-f', '%e', 'true']).status === 0,
);

/** Runs `cmd` with stdout into `stdoutPath` ('/dev/null' to discard). */
export async function measure(
  cmd: string[],
  stdoutPath: string,
  cwd: string,
  scratch: string,
  env?: NodeJS.ProcessEnv,
): Promise<Measurement> {
  const fd = openSync(stdoutPath, 'w');
  try {
    if (GNU_TIME) {
      rmSync(scratch, { force: true });
      const t0 = process.hrtime.bigint();
      const r = await run([GNU_TIME, '-f', '%U %S %M', '-o', scratch, ...cmd], fd, cwd, undefined, env);
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const fields = readFileSync(scratch, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      return {
        wallS,
        cpuS: fields[0] + fields[1],
        peakRssMB: (fields[2] * 1024) / 1e6,
        exitCode: r.code,
        stderr: r.stderr,
      };
    }
    let hwmKB = 0;
    const t0 = process.hrtime.bigint();
    const r = await run(
      cmd,
      fd,
      cwd,
      (pid) => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
          if (m) hwmKB = Math.max(hwmKB, Number(m[1]));
        } catch {
          /* exited between polls */
        }
      },
      env,
    );
    return {
      wallS: Number(process.hrtime.bigint() - t0) / 1e9,
      cpuS: NaN,
      peakRssMB: (hwmKB * 1024) / 1e6,
      exitCode: r.code,
      stderr: r.stderr,
    };
  } finally {
    closeSync(fd);
  }
}

function run(
  cmd: string[],
  stdoutFd: number,
  cwd: string,
  poll?: (pid: number) => void,
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd.slice(1), { cwd, env: env ?? process.env, stdio: ['ignore', stdoutFd, 'pipe'] });
    const err: Buffer[] = [];
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    const timer = poll && child.pid ? setInterval(() => poll(child.pid!), 5) : undefined;
    child.on('error', (e) => {
      if (timer) clearInterval(timer);
      reject(e);
    });
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      resolve({ code: code ?? -1, stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self and inclusive milliseconds per function of a `.cpuprofile` (node --cpu-prof), hottest first. */
export function summarizeCpuProfile(
  path: string,
  top = 15,
): { totalMs: number; self: [string, number][]; inclusive: [string, number][] } {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (id: number): string => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() || ''}${f.url ? `:${f.lineNumber + 1}` : ''}`.trim();
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] / 1000;
    total += dt;
    self.set(name(id), (self.get(name(id)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = name(cur);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
  });
  const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs: total, self: sorted(self), inclusive: sorted(incl).filter(([k]) => k !== '(root)') };
}
