/**
 * The compiler as ground truth, one process per question: `cc -E -fdirectives-only -dD` with the view's `-D`s and
 * include paths prints every live line verbatim under line markers, every macro definition in order (so the final
 * value of each is known), and `#error`s reached on stderr. With clang, when `-fdirectives-only` is refused, or
 * when its scanner lexes a quote differently from the compiler proper, plain `cc -E -dD` is used: a live line is
 * then one that expands to tokens (lines continuing a multi-line macro call look empty).
 *
 * Nothing is started unless `allowExternalPrograms` is true (untrusted workspaces never are).
 */
import { execFile } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { evaluate, formatValue } from './expr';
import { commandLineOf, type FlagInfo, type FlagView } from './flag-view';
import type { ErrorHit } from './simulate';
import { literalEnd } from './lexer';
import { isDefineError, type MacroTable, parseDefine } from './tokens';

export class ExternalProgramsNotAllowed extends Error {
  constructor(what: string) {
    super(`${what} was not run: external programs are not allowed here (untrusted workspace, or --no-compiler)`);
  }
}

export interface CompilerOptions {
  /** The compiler (default `cc`). */
  cc?: string;
  /** Folder the compiler runs in (relative paths in its output are resolved against it). */
  cwd?: string;
  allowExternalPrograms: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** `verbatim` (-fdirectives-only, gcc) or `tokens` (plain -E); default: verbatim, tokens if refused. */
  mode?: 'verbatim' | 'tokens';
}

export interface CompilerDiagnostic {
  file: string;
  line: number;
  column?: number;
  severity: 'error' | 'warning' | 'note' | 'fatal error';
  message: string;
}

export interface CompilerTruth {
  command: string[];
  exitCode: number;
  mode: 'verbatim' | 'tokens';
  /** Per file (absolute path): the lines that produced output (comments included in verbatim mode). */
  liveLines: Map<string, Set<number>>;
  /** Per file: the lines that produced code outside comments (what to compare with `LINE_CODE` lines). */
  codeLines: Map<string, Set<number>>;
  /** Every macro at the end of the unit, as the compiler left it. */
  macros: MacroTable;
  /** `#error`s reached, with gcc's message (`#error "…"`). */
  errors: ErrorHit[];
  diagnostics: CompilerDiagnostic[];
}

/** The compiler arguments a view amounts to (defines in order, then include paths and forced includes). */
export function compilerArgs(view: FlagView): string[] {
  const args: string[] = [];
  for (const o of view.compileOptions ?? []) if (/^-(std=|O|f|m|pthread$|ansi$)/.test(o)) args.push(o);
  for (const c of commandLineOf(view))
    args.push(c.op === 'U' ? `-U${c.name}` : c.value === undefined ? `-D${c.name}` : `-D${c.name}=${c.value}`);
  for (const d of view.paths.quote) args.push(`-iquote${d}`);
  for (const d of view.paths.angled) args.push(`-I${d}`);
  for (const d of view.paths.system) args.push(`-isystem${d}`);
  for (const h of view.configHeaders) args.push('-include', h);
  return args;
}

function run(
  cmd: string,
  args: string[],
  opts: CompilerOptions,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(
      cmd,
      args,
      {
        cwd: opts.cwd,
        maxBuffer: 256 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 60_000,
        signal: opts.signal,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          fail(new Error(`${cmd} could not be run: ${err.message}`));
          return;
        }
        done({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** Preprocesses `unit` under `view` and reads live lines, final macros and `#error`s from the output. */
export async function compilerTruth(unit: string, view: FlagView, opts: CompilerOptions): Promise<CompilerTruth> {
  if (!opts.allowExternalPrograms) throw new ExternalProgramsNotAllowed('The compiler');
  const cc = opts.cc ?? 'cc';
  const cwd = opts.cwd ?? process.cwd();
  let mode = opts.mode ?? 'verbatim';
  const base = [...compilerArgs(view), '-E', '-dD', unit];
  let command = mode === 'verbatim' ? [cc, '-fdirectives-only', ...base] : [cc, ...base];
  let r = await run(command[0], command.slice(1), opts);
  // Refused, or lexed differently from a real compile: gcc's directives-only scanner takes an apostrophe in text
  // (`don't` under `#if 0`, `1'000`) for a literal running past the line and says "unterminated literal"; the
  // compiler proper ends it at the line. Then only plain -E tells the truth.
  const refused = r.code !== 0 && /directives-only/.test(r.stderr) && /unrecognized|unknown/.test(r.stderr);
  if (mode === 'verbatim' && (refused || /error: unterminated literal/.test(r.stderr))) {
    mode = 'tokens';
    command = [cc, ...base];
    r = await run(command[0], command.slice(1), opts);
  }
  const diagnostics = parseCompilerDiagnostics(r.stderr, cwd);
  const parsed = parsePreprocessed(r.stdout, cwd);
  return {
    command,
    exitCode: r.code,
    mode,
    liveLines: parsed.liveLines,
    codeLines: parsed.codeLines,
    macros: parsed.macros,
    errors: diagnostics
      .filter((d) => d.severity === 'error' && d.message.startsWith('#error'))
      .map((d) => ({ file: d.file, line: d.line, column: d.column ?? 0, message: d.message })),
    diagnostics,
  };
}

/** Every macro at the end of `unit` under `view`, from `cc -E -dM` (no line information). */
export async function compilerMacros(
  unit: string,
  view: FlagView,
  opts: CompilerOptions,
): Promise<{ macros: MacroTable; errors: ErrorHit[]; command: string[] }> {
  if (!opts.allowExternalPrograms) throw new ExternalProgramsNotAllowed('The compiler');
  const command = [opts.cc ?? 'cc', ...compilerArgs(view), '-E', '-dM', unit];
  const r = await run(command[0], command.slice(1), opts);
  const errors = parseCompilerDiagnostics(r.stderr, opts.cwd ?? process.cwd())
    .filter((d) => d.severity === 'error' && d.message.startsWith('#error'))
    .map((d) => ({ file: d.file, line: d.line, column: d.column ?? 0, message: d.message }));
  return { macros: parsePreprocessed(r.stdout, opts.cwd ?? process.cwd()).macros, errors, command };
}

/** The compiler's predefined macros for these options (`cc -dM -E -x c /dev/null`). */
export async function compilerPredefined(
  compileOptions: readonly string[],
  opts: CompilerOptions,
): Promise<MacroTable> {
  if (!opts.allowExternalPrograms) throw new ExternalProgramsNotAllowed('The compiler');
  const args = [
    ...compileOptions.filter((o) => /^-(std=|O|f|m|pthread$|ansi$)/.test(o)),
    '-dM',
    '-E',
    '-x',
    'c',
    '/dev/null',
  ];
  const r = await run(opts.cc ?? 'cc', args, opts);
  if (r.code !== 0) throw new Error(`${opts.cc ?? 'cc'} -dM -E failed: ${r.stderr.split('\n')[0]}`);
  return parsePreprocessed(r.stdout, opts.cwd ?? process.cwd()).macros;
}

const MARKER = /^#\s*(\d+)\s+"((?:[^"\\]|\\.)*)"(.*)$/;

/**
 * Whether an output line holds code outside comments, and the comment state after it (verbatim output keeps
 * comments, which may span lines and contain `#`). 0: none, 1: in a block comment, 2: in a `//` comment continued
 * by a backslash.
 */
function scanOutputLine(line: string, state: number): { code: boolean; state: number } {
  let i = 0;
  let code = false;
  if (state === 2) return { code: false, state: line.endsWith('\\') ? 2 : 0 };
  while (i < line.length) {
    if (state === 1) {
      const e = line.indexOf('*/', i);
      if (e < 0) return { code, state: 1 };
      i = e + 2;
      state = 0;
      continue;
    }
    const c = line[i];
    if (c === '/' && line[i + 1] === '*') {
      state = 1;
      i += 2;
    } else if (c === '/' && line[i + 1] === '/') {
      return { code, state: line.endsWith('\\') ? 2 : 0 };
    } else if (c === '"' || c === "'") {
      code = true;
      i = literalEnd(line, i);
    } else {
      if (c !== ' ' && c !== '\t' && c !== '\f' && c !== '\v') code = true;
      i++;
    }
  }
  return { code, state };
}

export interface PreprocessedOutput {
  /** Per file (absolute path): lines that produced any output, comments included (verbatim mode). */
  liveLines: Map<string, Set<number>>;
  /** Per file: lines that produced code outside comments. */
  codeLines: Map<string, Set<number>>;
  macros: MacroTable;
}

/**
 * Line markers (`# 42 "src/x.inc" 2`) and `-dD` definitions of preprocessor output. A marker names the line the
 * next output line comes from; a marker repeating the current line (gcc splits a line around a system-header
 * macro) continues it. Markers and echoed directives (`#define`, `#undef`, `#pragma`) outside comments are not
 * content; a `#` line inside a comment, or one that was not a directive, is.
 */
export function parsePreprocessed(text: string, cwd: string): PreprocessedOutput {
  const liveLines = new Map<string, Set<number>>();
  const codeLines = new Map<string, Set<number>>();
  const macros: MacroTable = new Map();
  let file = '';
  let line = 0;
  let state = 0;
  const add = (m: Map<string, Set<number>>): void => {
    let set = m.get(file);
    if (!set) m.set(file, (set = new Set()));
    set.add(line);
  };
  for (const raw of text.split('\n')) {
    const out = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const t = out.trimStart();
    // Outside comments, a line starting with `#` is a line marker or an echoed directive; anything else starting
    // with `#` is content (a `#` that was not a directive, like ` */ #if 1` after a comment).
    if (state === 0 && t.startsWith('#') && (MARKER.test(t) || /^#\s*(define|undef|pragma|ident|sccs)\b/.test(t))) {
      const m = MARKER.exec(t);
      if (m) {
        const name = m[2].replace(/\\(.)/g, '$1');
        file = name.startsWith('<') ? name : isAbsolute(name) ? name : resolve(cwd, name);
        line = Number(m[1]);
        continue;
      }
      const dm = /^#\s*(define|undef)\s+(.*)$/.exec(t);
      if (dm) {
        if (dm[1] === 'undef') macros.delete(dm[2].trim());
        else {
          const d = parseDefine(dm[2], { kind: 'compiler' });
          if (!isDefineError(d)) macros.set(d.name, d);
        }
      }
      line++;
      continue;
    }
    if (t && !file.startsWith('<')) {
      add(liveLines);
      const r = scanOutputLine(out, state);
      state = r.state;
      if (r.code) add(codeLines);
    } else if (t) {
      state = scanOutputLine(out, state).state;
    }
    line++;
  }
  return { liveLines, codeLines, macros };
}

const DIAG = /^(.+?):(\d+):(?:(\d+):)? (fatal error|error|warning|note): (.*)$/;

export function parseCompilerDiagnostics(stderr: string, cwd: string): CompilerDiagnostic[] {
  const out: CompilerDiagnostic[] = [];
  for (const l of stderr.split('\n')) {
    const m = DIAG.exec(l);
    // `cc1: fatal error: cfg.h: No such file or directory` (a forced include): the command line's problem.
    const c = m ? null : /^(?:<command-line>|cc1|cc1plus|cc|gcc|clang(?:-[\d.]+)?): (fatal error|error): (.*)$/.exec(l);
    if (c)
      out.push({ file: '<command-line>', line: 0, severity: c[1] as CompilerDiagnostic['severity'], message: c[2] });
    if (!m) continue;
    const d: CompilerDiagnostic = {
      file: m[1].startsWith('<') || isAbsolute(m[1]) ? m[1] : resolve(cwd, m[1]),
      line: Number(m[2]),
      severity: m[4] as CompilerDiagnostic['severity'],
      message: m[5].replace(/ \[-W[\w=-]+\]$/, ''),
    };
    if (m[3]) d.column = Number(m[3]);
    out.push(d);
  }
  return out;
}

/**
 * A file's flags with the compiler's final values (source `compiler`), each marked with whether the engine's own
 * value agreed. The engine's value is the one at the file's first condition; the compiler's is at the end of the
 * unit, so a flag a header redefines after the file is compared with its `later` value.
 */
export function withCompilerValues(
  flags: readonly FlagInfo[],
  macros: MacroTable,
): (FlagInfo & { engineValue: string | null; agrees: boolean })[] {
  return flags.map((f) => {
    const def = macros.get(f.name);
    const value = def ? def.text : null;
    const r = def ? evaluate(f.name, macros) : undefined;
    const engineValue = f.later ? f.later.value : f.value;
    return {
      ...f,
      defined: !!def,
      value,
      numeric: def ? (r?.error ? null : formatValue(r!)) : '0',
      source: { kind: 'compiler' as const },
      engineValue,
      agrees: engineValue === value,
    };
  });
}
