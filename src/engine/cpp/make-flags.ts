/**
 * Which flags a make target compiles a source file with. Two ways, both giving `BuildFlags`:
 *
 * - Reading (no program runs): from the target, follow prerequisites and recipes with the target-specific variables
 *   they inherit, expanding recipes with automatic variables, until a compile command (`$(CC) … -c src/x.c`) is
 *   reached; a recipe that runs `$(MAKE) … VAR=value target` is followed into a sub-make with those command-line
 *   variables (and the parent's, which make passes on). This is how preset targets of Makefiles like
 *   demo/mini-hz3's (recursive `$(MAKE) variant LANE=… PRESET_DEFS=…`) and `preset: DEFS += …` styles both work.
 * - `make -n -B <target>` (only with external programs allowed): the commands make would run. Beware that make
 *   still runs `$(shell …)` and `$(file …)` of the Makefile while reading it.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { type BuildFlags, isCompilerWord, parseCompilerArgs, SEPARATORS, shellSplit } from './build-flags';
import { ExternalProgramsNotAllowed } from './compiler';
import { expand, matchPattern, type TargetVar, words } from './make-expand';
import { type Makefile, readMakefile, type Rule, scopeOf } from './makefile';

export interface MakeFlagsOptions {
  /** The source file whose compile command is wanted (a `.c`); default: the first compile found. */
  sourceFile?: string;
  /** `make NAME=VALUE` variables. */
  commandLine?: Record<string, string>;
}

interface Resolved {
  rule: Rule;
  prereqs: string[];
  stem: string;
}

function ruleFor(mf: Makefile, target: string): Resolved | undefined {
  const explicit = mf.rules.filter((r) => r.targets.includes(target));
  const prereqs: string[] = [];
  let withRecipe: Rule | undefined;
  let stem = '';
  for (const r of explicit) {
    if (r.staticPattern) {
      const s = matchPattern(r.staticPattern.pattern, target);
      if (s !== undefined) {
        stem = s;
        prereqs.push(...r.staticPattern.prereqs.map((p) => p.replace('%', s)));
      }
    } else prereqs.push(...r.prereqs);
    if (r.recipe.length) withRecipe = r;
  }
  if (withRecipe) return { rule: withRecipe, prereqs, stem };
  // Pattern rules: the first whose prerequisites exist or can be made, as make chooses.
  for (const r of mf.rules) {
    if (r.staticPattern || !r.recipe.length) continue;
    for (const t of r.targets) {
      const s = t.includes('%') ? matchPattern(t, target) : undefined;
      if (s === undefined) continue;
      const pre = r.prereqs.map((p) => p.replace('%', s));
      const makeable = (p: string): boolean =>
        existsSync(resolve(mf.dir, p)) || mf.rules.some((x) => x.targets.includes(p));
      // Only prerequisites derived from the stem decide; fixed ones may be generated while make reads the file.
      if (r.prereqs.filter((q) => q.includes('%')).every((q) => makeable(q.replace('%', s)))) {
        return { rule: r, prereqs: [...pre, ...prereqs], stem: s };
      }
    }
  }
  if (explicit.length) return { rule: explicit[0], prereqs, stem };
  return undefined;
}

const MAKE_OPTS_WITH_ARG = new Set([
  '-C',
  '-f',
  '-I',
  '-j',
  '-l',
  '-o',
  '-W',
  '--directory',
  '--file',
  '--makefile',
  '--include-dir',
  '--old-file',
  '--what-if',
]);

interface SubMake {
  dir: string;
  file?: string;
  vars: Record<string, string>;
  targets: string[];
}

function parseSubMake(words: string[], makeWord: number, cwd: string): SubMake {
  const sub: SubMake = { dir: cwd, vars: {}, targets: [] };
  for (let i = makeWord + 1; i < words.length; i++) {
    const w = words[i];
    if (SEPARATORS.has(w)) break;
    const eq = /^([^-=\s][^=\s]*?)(:?)=(.*)$/s.exec(w);
    if (eq) sub.vars[eq[1]] = eq[3];
    else if (w.startsWith('--') && w.includes('=')) {
      const [k, v] = [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)];
      if (k === '--directory') sub.dir = resolve(sub.dir, v);
      if (k === '--file' || k === '--makefile') sub.file = v;
    } else if (MAKE_OPTS_WITH_ARG.has(w)) {
      const v = words[++i] ?? '';
      if (w === '-C' || w === '--directory') sub.dir = resolve(sub.dir, v);
      if (w === '-f' || w === '--file' || w === '--makefile') sub.file = v;
    } else if (/^-[CfIjlo]./.test(w)) {
      if (w.startsWith('-C')) sub.dir = resolve(sub.dir, w.slice(2));
      if (w.startsWith('-f')) sub.file = w.slice(2);
    } else if (!w.startsWith('-')) sub.targets.push(w);
  }
  return sub;
}

/** Splits an expanded recipe line into shell commands (`a && b; c`). */
function commands(line: string): string[][] {
  const out: string[][] = [[]];
  for (const w of shellSplit(line)) {
    if (SEPARATORS.has(w)) {
      out.push([]);
      continue;
    }
    out[out.length - 1].push(w);
  }
  return out.filter((c) => c.length);
}

/**
 * Where the compiler word of a command that compiles C is: `cc … -c x.c`, and the one-step compile-and-link
 * `cc $(CFLAGS) src/main.c -o prog` (a source file among its arguments). A link of objects alone (`cc *.o -o lib.so`)
 * compiles nothing and is not one.
 */
export function compileIn(words: string[]): number {
  let i = 0;
  while (i < words.length && /^(ccache|distcc|env|time|nice|[A-Z_][A-Z0-9_]*=.*)$/.test(basename(words[i]))) i++;
  if (i >= words.length || !isCompilerWord(words[i])) return -1;
  if (words.includes('-c')) return i;
  for (let j = i + 1; j < words.length && !SEPARATORS.has(words[j]); j++) {
    if (words[j] === '-o' || words[j] === '-x' || words[j] === '-MF') j++;
    else if (!words[j].startsWith('-') && SOURCE.test(words[j])) return i;
  }
  return -1;
}

const SOURCE = /\.(c|cc|cpp|cxx|i)$/;

function explore(
  mf: Makefile,
  goal: string,
  want: string | undefined,
  label: string,
  depth: number,
  found: BuildFlags[],
): void {
  const visited = new Set<string>();
  const makeWords = new Set(['make', 'gmake', basename(expand('$(MAKE)', scopeOf(mf)).trim() || 'make')]);
  const visit = (target: string, chain: readonly TargetVar[], hops: number): void => {
    if (visited.has(target) || hops > 64 || found.length > 500) return;
    visited.add(target);
    const tvs = [...chain, ...mf.targetVars.filter((tv) => matchPattern(tv.target, target) !== undefined)];
    const r = ruleFor(mf, target);
    if (!r) return;
    // Prerequisites first, as make runs them.
    for (const p of r.prereqs) visit(p, tvs, hops + 1);
    const auto = {
      '@': target,
      '<': r.prereqs[0] ?? '',
      '^': [...new Set(r.prereqs)].join(' '),
      '+': r.prereqs.join(' '),
      '*': r.stem,
      '?': r.prereqs.join(' '),
      '|': '',
    };
    const scope = scopeOf(mf, { targetVars: tvs, auto });
    for (const line of r.rule.recipe) {
      const text = expand(line.text, scope).replace(/^[\s@+-]+/, '');
      for (const cmd of commands(text)) {
        const mk = cmd.findIndex((w) => makeWords.has(basename(w)));
        if (mk >= 0 && depth < 4) {
          const sub = parseSubMake(cmd, mk, mf.dir);
          const exported: Record<string, string> = {};
          for (const [k, v] of mf.vars) if (v.exported) exported[k] = expand(v.value, scope);
          let child: Makefile;
          try {
            child = readMakefile(
              resolve(sub.dir, sub.file ?? (sub.file === undefined && sub.dir === mf.dir ? mf.path : 'Makefile')),
              {
                commandLine: { ...mf.commandLine, ...sub.vars },
                env: exported,
              },
            );
          } catch (e) {
            const note = `${label}: the sub-make "${cmd.slice(mk).join(' ').slice(0, 80)}" cannot be followed: ${(e as Error).message}`;
            if (!mf.notes.includes(note)) mf.notes.push(note);
            continue;
          }
          mf.notes.push(...child.notes.filter((n) => !mf.notes.includes(n)));
          for (const t of sub.targets.length ? sub.targets : [child.defaultGoal ?? '']) {
            if (t) explore(child, t, want, `${label} → make ${t}`, depth + 1, found);
          }
          continue;
        }
        const at = compileIn(cmd);
        if (at < 0) continue;
        const flags = parseCompilerArgs(cmd.slice(at), mf.dir, label);
        flags.command = cmd.join(' ');
        found.push(flags);
      }
    }
  };
  visit(goal, [], 0);
}

/** The flags `target` (default: the Makefile's default goal) compiles `sourceFile` with, read without running make. */
export function flagsFromMakefile(
  makefile: string,
  target: string | undefined,
  opts: MakeFlagsOptions = {},
): BuildFlags {
  const mf = readMakefile(makefile, { commandLine: opts.commandLine });
  const goal = target ?? mf.defaultGoal;
  if (!goal) throw new Error(`${mf.path}: no target given and the Makefile has no default goal`);
  if (!mf.rules.some((r) => r.targets.includes(goal))) throw new Error(`${mf.path}: no rule for target "${goal}"`);
  const want = opts.sourceFile ? resolve(opts.sourceFile) : undefined;
  const found: BuildFlags[] = [];
  explore(mf, goal, want, `Makefile ${goal}`, 0, found);
  return pick(
    found,
    want,
    `${mf.path}: target "${goal}" compiles nothing that could be found by reading the Makefile`,
    mf.notes,
  );
}

/**
 * The compile of `want` (the last one when the target compiles it several times, as `ab` builds A then B: the
 * last is what the target itself adds), else the target's first compile.
 */
function pick(found: BuildFlags[], want: string | undefined, none: string, notes: string[]): BuildFlags {
  if (!found.length) throw new Error(`${none}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  const matches = want ? found.filter((f) => f.file === want) : [];
  const exact = matches[matches.length - 1];
  const chosen = exact ?? found[0];
  chosen.notes.push(...notes);
  if (new Set(matches.map((m) => JSON.stringify(m.defines))).size > 1) {
    chosen.notes.push(
      `the target compiles ${want} ${matches.length} times with different flags; using the last (${chosen.command ?? ''})`,
    );
  }
  if (want && !exact)
    chosen.notes.push(
      `no compile command for ${want} was found; using the one for ${chosen.file ?? 'the first compile'}`,
    );
  return chosen;
}

export interface DryRunOptions extends MakeFlagsOptions {
  allowExternalPrograms: boolean;
  make?: string;
  /** Default 60 s: make is killed after it. */
  timeoutMs?: number;
  /** Aborts the run (a newer request superseded it). */
  signal?: AbortSignal;
}

interface DryRun {
  found: BuildFlags[];
  notes: string[];
}

/** make -n results by makefile, target, variables and the mtimes of every makefile it reads. */
const dryRuns = new Map<string, Promise<DryRun>>();

function mtime(p: string): number {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

/** The makefiles make reads for this one (itself and what it includes), for cache keys. */
export function makefilesOf(makefile: string, commandLine: Record<string, string> = {}): string[] {
  try {
    return words(readMakefile(makefile, { commandLine }).vars.get('MAKEFILE_LIST')?.value ?? makefile);
  } catch {
    return [resolve(makefile)];
  }
}

/**
 * Every compile command `make -n -B target` prints, with the folder each runs in (`-w` makes make name the folders
 * of sub-makes). Recipe lines make prints with their `\`-newline continuations are joined first.
 */
export function parseDryRunOutput(stdout: string, dir: string, label: string): BuildFlags[] {
  const found: BuildFlags[] = [];
  const dirs = [dir];
  for (const line of stdout.replace(/\\\r?\n/g, ' ').split('\n')) {
    const enter = /Entering directory [`'"](.*)['"]/.exec(line);
    if (enter) {
      dirs.push(enter[1]);
      continue;
    }
    if (/Leaving directory/.test(line)) {
      if (dirs.length > 1) dirs.pop();
      continue;
    }
    for (const cmd of commands(line)) {
      const at = compileIn(cmd);
      if (at < 0) continue;
      const flags = parseCompilerArgs(cmd.slice(at), dirs[dirs.length - 1], label);
      flags.command = cmd.join(' ');
      found.push(flags);
    }
  }
  return found;
}

function runDryRun(mfPath: string, target: string | undefined, opts: DryRunOptions): Promise<DryRun> {
  const dir = dirname(mfPath);
  const vars = Object.entries(opts.commandLine ?? {}).map(([k, v]) => `${k}=${v}`);
  const args = ['-n', '-B', '-w', '-f', mfPath, ...vars, ...(target ? [target] : [])];
  const label = `make -n ${target ?? ''}`.trim();
  return new Promise((done, fail) => {
    execFile(
      opts.make ?? 'make',
      args,
      {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 60_000,
        signal: opts.signal,
        encoding: 'utf8',
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ABORT_ERR')
          return fail(new Error(`${mfPath}: make -n was cancelled`));
        if (err && err.killed)
          return fail(
            new Error(
              `${mfPath}: make -n ${target ?? ''} took longer than ${Math.round((opts.timeoutMs ?? 60_000) / 1000)} s and was stopped`,
            ),
          );
        if (err && typeof err.code !== 'number')
          return fail(new Error(`${mfPath}: make could not be run (${err.message})`));
        const first = stderr.split('\n').find((l) => l.trim()) ?? '';
        done({
          found: parseDryRunOutput(stdout, dir, label),
          notes: err ? [`make -n exited with ${err.code}: ${first}`] : [],
        });
      },
    );
  });
}

/**
 * The flags from the commands `make -n -B target` prints (runs make; see the module comment). Results are cached
 * by the makefiles' mtimes, so asking again after a toggle costs nothing; a failed or cancelled run is not kept.
 */
export async function flagsFromMakeDryRun(
  makefile: string,
  target: string | undefined,
  opts: DryRunOptions,
): Promise<BuildFlags> {
  if (!opts.allowExternalPrograms) throw new ExternalProgramsNotAllowed('make -n');
  const mfPath = resolve(makefile);
  const files = makefilesOf(mfPath, opts.commandLine);
  const key = JSON.stringify([mfPath, target, opts.commandLine ?? {}, opts.make, files.map((f) => [f, mtime(f)])]);
  let run = dryRuns.get(key);
  if (!run) {
    if (dryRuns.size > 32) dryRuns.clear();
    run = runDryRun(mfPath, target, opts);
    dryRuns.set(key, run);
    run.catch(() => dryRuns.delete(key));
  }
  const r = await run;
  // Copies: pick() adds notes to the chosen entry, and callers may change what they get.
  const found = r.found.map((f) => ({ ...f, notes: [...f.notes] }));
  return pick(
    found,
    opts.sourceFile && resolve(opts.sourceFile),
    `${mfPath}: make -n${target ? ` ${target}` : ''} printed no compile command`,
    r.notes,
  );
}

/**
 * The targets of a Makefile a user would name on make's command line (no files with folders, no special
 * targets, no patterns) that compile `unit`, read without running make. For Select Build.
 */
export function targetsCompiling(
  makefile: string,
  unit: string,
  opts: { commandLine?: Record<string, string>; limit?: number } = {},
): string[] {
  let mf: Makefile;
  try {
    mf = readMakefile(makefile, { commandLine: opts.commandLine });
  } catch {
    return [];
  }
  const want = resolve(unit);
  const names = new Set<string>();
  for (const r of mf.rules)
    for (const t of r.targets)
      if (!t.includes('%') && !t.includes('/') && !t.startsWith('.') && !/\.(o|so|a|d)$/.test(t)) names.add(t);
  const out: string[] = [];
  for (const t of names) {
    if (out.length >= (opts.limit ?? 200)) break;
    const found: BuildFlags[] = [];
    try {
      explore(readMakefile(makefile, { commandLine: opts.commandLine }), t, want, `Makefile ${t}`, 0, found);
    } catch {
      continue;
    }
    if (found.some((f) => f.file === want)) out.push(t);
  }
  return out;
}
