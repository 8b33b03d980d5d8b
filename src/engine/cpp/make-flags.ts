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
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { type BuildFlags, isCompilerWord, parseCompilerArgs, SEPARATORS, shellSplit } from './build-flags';
import { ExternalProgramsNotAllowed } from './compiler';
import { expand, matchPattern, type TargetVar } from './make-expand';
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
      const makeable = (p: string): boolean => existsSync(resolve(mf.dir, p)) || mf.rules.some((x) => x.targets.includes(p));
      // Only prerequisites derived from the stem decide; fixed ones may be generated while make reads the file.
      if (r.prereqs.filter((q) => q.includes('%')).every((q) => makeable(q.replace('%', s)))) {
        return { rule: r, prereqs: [...pre, ...prereqs], stem: s };
      }
    }
  }
  if (explicit.length) return { rule: explicit[0], prereqs, stem };
  return undefined;
}

const MAKE_OPTS_WITH_ARG = new Set(['-C', '-f', '-I', '-j', '-l', '-o', '-W', '--directory', '--file', '--makefile', '--include-dir', '--old-file', '--what-if']);

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

function compileIn(words: string[]): number {
  let i = 0;
  while (i < words.length && /^(ccache|distcc|env|time|nice|[A-Z_][A-Z0-9_]*=.*)$/.test(basename(words[i]))) i++;
  return i < words.length && isCompilerWord(words[i]) && words.includes('-c') ? i : -1;
}

function explore(mf: Makefile, goal: string, want: string | undefined, label: string, depth: number, found: BuildFlags[]): void {
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
    const auto = { '@': target, '<': r.prereqs[0] ?? '', '^': [...new Set(r.prereqs)].join(' '), '+': r.prereqs.join(' '), '*': r.stem, '?': r.prereqs.join(' '), '|': '' };
    const scope = scopeOf(mf, { targetVars: tvs, auto });
    for (const line of r.rule.recipe) {
      const text = expand(line.text, scope).replace(/^[\s@+-]+/, '');
      for (const cmd of commands(text)) {
        const mk = cmd.findIndex((w) => makeWords.has(basename(w)));
        if (mk >= 0 && depth < 4) {
          const sub = parseSubMake(cmd, mk, mf.dir);
          const exported: Record<string, string> = {};
          for (const [k, v] of mf.vars) if (v.exported) exported[k] = expand(v.value, scope);
          const child = readMakefile(resolve(sub.dir, sub.file ?? (sub.file === undefined && sub.dir === mf.dir ? mf.path : 'Makefile')), {
            commandLine: { ...mf.commandLine, ...sub.vars },
            env: exported,
          });
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
export function flagsFromMakefile(makefile: string, target: string | undefined, opts: MakeFlagsOptions = {}): BuildFlags {
  const mf = readMakefile(makefile, { commandLine: opts.commandLine });
  const goal = target ?? mf.defaultGoal;
  if (!goal) throw new Error(`${mf.path}: no target given and the Makefile has no default goal`);
  if (!mf.rules.some((r) => r.targets.includes(goal))) throw new Error(`${mf.path}: no rule for target "${goal}"`);
  const want = opts.sourceFile ? resolve(opts.sourceFile) : undefined;
  const found: BuildFlags[] = [];
  explore(mf, goal, want, `Makefile ${goal}`, 0, found);
  return pick(found, want, `${mf.path}: target "${goal}" compiles nothing that could be found by reading the Makefile`, mf.notes);
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
    chosen.notes.push(`the target compiles ${want} ${matches.length} times with different flags; using the last (${chosen.command ?? ''})`);
  }
  if (want && !exact) chosen.notes.push(`no compile command for ${want} was found; using the one for ${chosen.file ?? 'the first compile'}`);
  return chosen;
}

/** The flags from the commands `make -n -B target` prints (runs make; see the module comment). */
export function flagsFromMakeDryRun(
  makefile: string,
  target: string | undefined,
  opts: MakeFlagsOptions & { allowExternalPrograms: boolean; make?: string; timeoutMs?: number },
): Promise<BuildFlags> {
  if (!opts.allowExternalPrograms) return Promise.reject(new ExternalProgramsNotAllowed('make -n'));
  const mfPath = resolve(makefile);
  const dir = resolve(mfPath, '..');
  const args = ['-n', '-B', '-w', '-f', mfPath, ...(target ? [target] : []), ...Object.entries(opts.commandLine ?? {}).map(([k, v]) => `${k}=${v}`)];
  return new Promise((done, fail) => {
    execFile(opts.make ?? 'make', args, { cwd: dir, maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return fail(new Error(`make could not be run: ${err.message}`));
      const found: BuildFlags[] = [];
      const dirs = [dir];
      for (const line of stdout.split('\n')) {
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
          const flags = parseCompilerArgs(cmd.slice(at), dirs[dirs.length - 1], `make -n ${target ?? ''}`.trim());
          flags.command = cmd.join(' ');
          found.push(flags);
        }
      }
      try {
        const notes = err ? [`make -n exited with ${err.code}: ${stderr.split('\n').find((l) => l.trim()) ?? ''}`] : [];
        done(pick(found, opts.sourceFile && resolve(opts.sourceFile), `${mfPath}: make -n ${target ?? ''} printed no compile command`, notes));
      } catch (e) {
        fail(e);
      }
    });
  });
}
