/**
 * The preprocessor-relevant part of a compile command (`-D`, `-U`, include paths, forced includes, the options
 * that change predefined macros), from an argument list, a shell command line, or compile_commands.json. What a
 * Makefile contributes goes through here too, once make's variables are expanded (makefile.ts).
 */
import { readFileSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import type { FlagView } from './flag-view';
import type { IncludePaths } from './include-graph';
import type { CommandLineMacro } from './simulate';

export interface BuildFlags {
  defines: CommandLineMacro[];
  paths: IncludePaths;
  forcedIncludes: string[];
  /** `-std=`, `-O2`, `-pthread`, `-f…`, `-m…`: they change predefined macros. */
  compileOptions: string[];
  /** The source file the command compiles, when it names one. */
  file?: string;
  /** The compile command, for display. */
  command?: string;
  /** Where the flags come from: `Makefile preset_lite`, `compile_commands.json`, `make -n all`. */
  source: string;
  notes: string[];
}

/** Words of a POSIX shell command line: quotes and backslashes removed, nothing expanded. */
export function shellSplit(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (c === "'") {
      const e = cmd.indexOf("'", i + 1);
      cur += cmd.slice(i + 1, e < 0 ? cmd.length : e);
      i = e < 0 ? cmd.length : e;
      has = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < cmd.length && cmd[j] !== '"'; j++) {
        if (cmd[j] === '\\' && /["\\$`\n]/.test(cmd[j + 1] ?? '')) j++;
        cur += cmd[j];
      }
      i = j;
      has = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      if (cmd[i + 1] !== '\n') cur += cmd[i + 1];
      i++;
      has = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else if (c === ';' || c === '&' || c === '|') {
      // Command separators (`;`, `&&`, `||`, `|`, `&`) are words of their own: callers split commands at them.
      if (has) out.push(cur);
      cur = '';
      has = false;
      if ((c === '&' || c === '|') && cmd[i + 1] === c) {
        out.push(c + c);
        i++;
      } else out.push(c);
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

export const SEPARATORS = new Set([';', '&', '|', '&&', '||']);

const COMPILER = /(^|[-/])(cc|gcc|clang|c\+\+|g\+\+|clang\+\+|icx|icc)(-\d+(\.\d+)*)?$/;

/** True for `gcc`, `/usr/bin/cc`, `x86_64-linux-gnu-gcc-12`, `clang-17`, `ccache gcc` (the compiler word). */
export function isCompilerWord(word: string): boolean {
  return COMPILER.test(basename(word));
}

/** Reads the preprocessor options of a compiler argument list (the compiler itself may be args[0]). */
export function parseCompilerArgs(args: readonly string[], cwd: string, source: string): BuildFlags {
  const flags: BuildFlags = {
    defines: [],
    paths: { quote: [], angled: [], system: [] },
    forcedIncludes: [],
    compileOptions: [],
    source,
    notes: [],
  };
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  const value = (i: number, opt: string): [string, number] => {
    const a = args[i];
    return a.length > opt.length ? [a.slice(opt.length), i] : [args[i + 1] ?? '', i + 1];
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (SEPARATORS.has(a)) break;
    if (a.startsWith('-D')) {
      const [v, j] = value(i, '-D');
      i = j;
      const eq = v.indexOf('=');
      flags.defines.push(
        eq < 0
          ? { op: 'D', name: v, via: source }
          : { op: 'D', name: v.slice(0, eq), value: v.slice(eq + 1), via: source },
      );
    } else if (a.startsWith('-U')) {
      const [v, j] = value(i, '-U');
      i = j;
      flags.defines.push({ op: 'U', name: v, via: source });
    } else if (a.startsWith('-iquote')) {
      const [v, j] = value(i, '-iquote');
      i = j;
      flags.paths.quote.push(abs(v));
    } else if (a.startsWith('-isystem') || a.startsWith('-idirafter')) {
      const opt = a.startsWith('-isystem') ? '-isystem' : '-idirafter';
      const [v, j] = value(i, opt);
      i = j;
      flags.paths.system.push(abs(v));
    } else if (a.startsWith('-I')) {
      const [v, j] = value(i, '-I');
      i = j;
      if (v === '-') flags.notes.push('-I- is obsolete and ignored here');
      else flags.paths.angled.push(abs(v));
    } else if (a === '-include' || a === '-imacros') {
      flags.forcedIncludes.push(abs(args[++i] ?? ''));
    } else if (/^-(std=|O|pthread$|ansi$|f(no-)?(pic|PIC|pie|PIE|fast-math|unsigned-char|signed-char)$)/.test(a)) {
      flags.compileOptions.push(a);
    } else if (a === '-o' || a === '-MF' || a === '-MT' || a === '-MQ' || a === '-x') {
      i++;
    } else if (!a.startsWith('-') && /\.(c|cc|cpp|cxx|i)$/.test(a) && i > 0) {
      flags.file = abs(a);
    } else if (a.startsWith('@')) {
      flags.notes.push(`response file ${a} is not read`);
    }
  }
  return flags;
}

export interface CompileCommand {
  directory: string;
  file: string;
  arguments: string[];
}

/** The entries of a compile_commands.json, with `command` strings split into arguments and paths made absolute. */
export function readCompileCommands(path: string): CompileCommand[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not a readable compile_commands.json (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new Error(`${path}: expected a JSON array of compile commands`);
  return data.flatMap((e: { directory?: string; file?: string; command?: string; arguments?: string[] }, n) => {
    if (!e || typeof e.file !== 'string' || (typeof e.command !== 'string' && !Array.isArray(e.arguments))) {
      throw new Error(`${path}: entry ${n} lacks "file" and "command" or "arguments"`);
    }
    const directory = resolve(path, '..', e.directory ?? '.');
    return [{ directory, file: resolve(directory, e.file), arguments: e.arguments ?? shellSplit(e.command!) }];
  });
}

/** The flags compile_commands.json gives `file` (or, for a file no entry compiles, `unit`). */
export function flagsFromCompileCommands(path: string, file: string, unit?: string): BuildFlags | undefined {
  const entries = readCompileCommands(path);
  const want = [resolve(file), ...(unit ? [resolve(unit)] : [])];
  const e = entries.find((x) => want.includes(x.file));
  if (!e) return undefined;
  const flags = parseCompilerArgs(e.arguments, e.directory, `compile_commands.json`);
  flags.file = e.file;
  flags.command = e.arguments.join(' ');
  return flags;
}

/** A flag view from build flags (no overrides yet). */
export function viewFromFlags(flags: BuildFlags): FlagView {
  return {
    base: flags.defines,
    overrides: [],
    paths: flags.paths,
    configHeaders: flags.forcedIncludes,
    compileOptions: flags.compileOptions,
    label: flags.source,
  };
}

/** Merges extra flags (the command line's `-D`/`-I` on top of a Makefile's). */
export function mergeFlags(a: BuildFlags, b: Partial<BuildFlags>): BuildFlags {
  return {
    ...a,
    defines: [...a.defines, ...(b.defines ?? [])],
    paths: {
      quote: [...a.paths.quote, ...(b.paths?.quote ?? [])],
      angled: [...a.paths.angled, ...(b.paths?.angled ?? [])],
      system: [...a.paths.system, ...(b.paths?.system ?? [])],
    },
    forcedIncludes: [...a.forcedIncludes, ...(b.forcedIncludes ?? [])],
    compileOptions: [...a.compileOptions, ...(b.compileOptions ?? [])],
    notes: [...a.notes, ...(b.notes ?? [])],
  };
}
