/**
 * The preprocessor's directive pass over one translation unit under one set of flags: predefined macros, then the
 * command line's `-D`/`-U` in order, then forced includes (config headers), then the file, following `#include`s
 * in order so that defaults, computed defaults, nested choices and later `#undef`/`#define` overrides take effect
 * exactly where gcc applies them. `#error`s reached are collected (gcc goes on after them, so do we).
 *
 * Only directives are processed; code lines are never looked at. Scans and everything parsed from them are cached,
 * so a second run with one flag changed costs the directive walk only.
 *
 * Two extras for the editor: in "focus" files, branches gcc does not evaluate (after a taken one, or under an
 * inactive block) are evaluated too, for display; and a file the build does not include at all can be evaluated
 * "as if" its (inactive) `#include` were taken, with the macros of that point (`shadowTarget`).
 */
import { dirname } from 'node:path';
import { expand, ExpansionError } from './expand';
import { evaluateTokens } from './expr';
import { resolveInclude } from './include-graph';
import { prepared, type Prepared } from './prepared';
import { type Branch, directivePosition, type Directive, displayText, type Group, type Item } from './scanner';
import type {
  BranchOutcome,
  ErrorHit,
  FileOutcome,
  SimDiagnostic,
  Simulation,
  SimulationInput,
} from './simulation-types';
import { defineFromCommandLine, isDefineError, type MacroDef, type MacroTable, sameDefinition } from './tokens';

export type {
  BranchOutcome,
  CommandLineMacro,
  ErrorHit,
  FileOutcome,
  SimDiagnostic,
  Simulation,
  SimulationInput,
} from './simulation-types';

const LIVE = 0;
const SKIP = 1;
const SHADOW = 2;
const SEARCH = 3;
type Mode = typeof LIVE | typeof SKIP | typeof SHADOW | typeof SEARCH;

const MAX_DEPTH = 200;

export function simulate(input: SimulationInput): Simulation {
  return new Simulator(input).run();
}

class Simulator {
  private macros: MacroTable;
  private readonly files = new Map<string, FileOutcome>();
  private readonly errors: ErrorHit[] = [];
  private readonly diagnostics: SimDiagnostic[] = [];
  private readonly unresolved: Simulation['unresolved'] = [];
  private readonly once = new Set<string>();
  private readonly graveyard = new Map<string, MacroDef>();
  private readonly undefined = new Set<string>();
  private readonly pushed = new Map<string, (MacroDef | undefined)[]>();
  private readonly resolveCache: Map<string, string | null>;
  private depth = 0;
  private shadowFound = false;

  constructor(private readonly input: SimulationInput) {
    this.macros = new Map(input.predefined);
    this.resolveCache = input.resolveCache ?? new Map();
  }

  run(): Simulation {
    for (const c of this.input.commandLine) {
      if (c.op === 'U') {
        this.undef(c.name);
        continue;
      }
      const spec = c.value === undefined ? c.name : `${c.name}=${c.value}`;
      const d = defineFromCommandLine(spec, { kind: 'command-line', via: c.via ?? '-D' });
      if (isDefineError(d)) {
        this.diagnostics.push({
          file: '<command-line>',
          line: 0,
          severity: 'error',
          message: `-D${spec}: ${d.message}`,
        });
        continue;
      }
      d.previous = this.macros.get(d.name) ?? this.graveyard.get(d.name);
      this.macros.set(d.name, d);
    }
    for (const f of this.input.forcedIncludes ?? []) this.includeFile(f, null, LIVE);
    this.includeFile(this.input.mainFile, null, LIVE);
    return {
      mainFile: this.input.mainFile,
      files: this.files,
      macros: this.macros,
      errors: this.errors,
      diagnostics: this.diagnostics,
      unresolved: this.unresolved,
    };
  }

  private undef(name: string): void {
    const prev = this.macros.get(name);
    if (prev) {
      this.graveyard.set(name, prev);
      this.macros.delete(name);
    }
    this.undefined.add(name);
  }

  private includeFile(path: string, from: { file: string; line: number } | null, mode: Mode): void {
    if (this.once.has(path)) return;
    if (this.depth >= MAX_DEPTH) {
      if (mode === LIVE && from)
        this.diag(from.file, from.line, 'error', `#include nested depth ${MAX_DEPTH} exceeds maximum of ${MAX_DEPTH}`);
      return;
    }
    const text = this.input.sources.read(path);
    if (text === undefined) {
      if (mode === LIVE)
        this.diag(from?.file ?? path, from?.line ?? 0, 'error', `${path}: no such file or it cannot be read`);
      return;
    }
    const scan = this.input.scans.get(path, text);
    let fo = this.files.get(path);
    if (!fo) {
      const n = scan.branches.length;
      fo = {
        path,
        scan,
        focus: this.input.focus === 'all' || (this.input.focus?.has(path) ?? false),
        liveVisits: 0,
        shadow: false,
        reached: new Uint8Array(n),
        taken: new Uint8Array(n),
        shadowTaken: new Uint8Array(n),
        outcomes: new Array(n),
        firstUse: new Map(),
        includedFrom: [],
      };
      this.files.set(path, fo);
    }
    if (mode === LIVE) {
      if (fo.liveVisits++ === 0)
        for (const d of scan.diagnostics) this.diag(path, d.line, d.severity, d.message, d.column);
    } else if (mode === SHADOW) fo.shadow = true;
    if (from) fo.includedFrom.push(from);
    this.depth++;
    this.walk(scan.top, fo, mode);
    this.depth--;
  }

  private walk(items: readonly Item[], fo: FileOutcome, mode: Mode): void {
    for (const it of items) {
      if (this.shadowFound && mode === SEARCH) return;
      if (it.group) this.group(it.group, fo, mode);
      else if (mode !== SKIP) this.directive(it.directive, fo, mode);
    }
  }

  private group(g: Group, fo: FileOutcome, mode: Mode): void {
    if (mode === SKIP) {
      if (!fo.focus) return;
      g.branches.forEach((b) => {
        this.display(b, fo);
        this.walk(b.items, fo, SKIP);
      });
      return;
    }
    if (mode === SEARCH) {
      for (const b of g.branches) this.walk(b.items, fo, SEARCH);
      return;
    }
    const prep = prepared(fo.scan);
    let chosen = false;
    for (const b of g.branches) {
      let take = false;
      if (chosen || b.afterElse) {
        if (fo.focus) this.display(b, fo);
      } else if (b.kind === 'else') {
        take = true;
        this.record(fo, b, { value: 1n, unsigned: false, live: mode === LIVE });
      } else {
        take = this.evaluate(b, fo, prep, mode === LIVE);
      }
      if (mode === LIVE) {
        fo.reached[b.index] = 1;
        if (take) fo.taken[b.index] = 1;
      } else if (take) fo.shadowTaken[b.index] = 1;
      if (take) {
        chosen = true;
        this.walk(b.items, fo, mode);
      } else if (mode === LIVE && this.input.shadowTarget && !this.shadowFound && b.items.length) {
        const saved = this.macros;
        this.macros = new Map(saved);
        this.walk(b.items, fo, SEARCH);
        this.macros = saved;
        if (fo.focus) this.walk(b.items, fo, SKIP);
      } else if (fo.focus) {
        this.walk(b.items, fo, SKIP);
      }
    }
  }

  private record(fo: FileOutcome, b: Branch, o: BranchOutcome): void {
    const prev = fo.outcomes[b.index];
    if (!prev || (!prev.live && o.live)) fo.outcomes[b.index] = o;
    else if (prev.live && o.live && (prev.value !== 0n) !== (o.value !== 0n)) prev.varies = true;
  }

  /** Evaluates a condition the preprocessor evaluates; reports its errors when `report`. */
  private evaluate(b: Branch, fo: FileOutcome, prep: Prepared, report: boolean): boolean {
    if (fo.focus && report)
      for (const id of prep.identifiers(b)) if (!fo.firstUse.has(id)) fo.firstUse.set(id, this.macros.get(id) ?? null);
    const r = this.condition(b, prep);
    const o: BranchOutcome = { value: r.value, unsigned: r.unsigned, live: report };
    if (r.error) o.error = r.error.message;
    if (r.notes.length) o.notes = r.notes;
    if (r.uncertain) o.uncertain = true;
    this.record(fo, b, o);
    if (report) {
      const d = b.directive;
      if (r.error) {
        const p = directivePosition(d, r.error.offset);
        this.diag(fo.path, p.line, 'error', r.error.message, p.column);
      }
      for (const w of r.warnings) {
        const p = directivePosition(d, w.offset);
        this.diag(fo.path, p.line, 'warning', w.message, p.column);
      }
    }
    // gcc takes the value it computed even after errors it goes on from (a syntax error has made it 0).
    return r.value !== 0n;
  }

  private condition(b: Branch, prep: Prepared): ReturnType<typeof evaluateTokens> {
    const toks = prep.conditionTokens(b);
    if (b.kind === 'if' || b.kind === 'elif') return evaluateTokens(toks, this.macros, { line: b.line });
    const none = { value: 0n, unsigned: false, warnings: [], notes: [], uncertain: false };
    const t = toks[0];
    if (!t)
      return {
        ...none,
        error: { message: `no macro name given in #${b.kind} directive`, offset: b.directive.text.length },
      };
    if (t.k !== 'id') return { ...none, error: { message: 'macro names must be identifiers', offset: t.off } };
    const defined = this.macros.has(t.s);
    const want = b.kind === 'ifdef' || b.kind === 'elifdef';
    const warnings =
      toks.length > 1 ? [{ message: `extra tokens at end of #${b.kind} directive`, offset: toks[1].off }] : [];
    return { ...none, value: defined === want ? 1n : 0n, warnings };
  }

  /** Value of a branch the preprocessor skips, for display; never reported. */
  private display(b: Branch, fo: FileOutcome): void {
    if (fo.outcomes[b.index]) return;
    if (b.kind === 'else') {
      const earlier = b.group.branches.slice(0, b.position);
      const none = earlier.every((x) => fo.outcomes[x.index] && fo.outcomes[x.index]!.value === 0n);
      fo.outcomes[b.index] = { value: none ? 1n : 0n, unsigned: false, live: false };
      return;
    }
    const prep = prepared(fo.scan);
    const r = this.condition(b, prep);
    const o: BranchOutcome = { value: r.value, unsigned: r.unsigned, live: false };
    if (r.error) o.error = r.error.message;
    if (r.notes.length) o.notes = r.notes;
    if (r.uncertain) o.uncertain = true;
    fo.outcomes[b.index] = o;
  }

  private directive(d: Directive, fo: FileOutcome, mode: Mode): void {
    const live = mode === LIVE;
    const prep = prepared(fo.scan);
    switch (d.name) {
      case 'define': {
        const p = prep.define(d);
        if (isDefineError(p)) {
          if (live) this.diagAt(fo, d, p.offset, 'error', p.message);
          return;
        }
        const prev = this.macros.get(p.name);
        const role = prep.isGuardedDefault(d, p.name)
          ? 'default'
          : prev || this.undefined.has(p.name)
            ? 'override'
            : undefined;
        const def: MacroDef = {
          ...p,
          origin: { kind: 'define', file: fo.path, line: d.line, ...(role ? { role } : {}) },
        };
        const before = prev ?? this.graveyard.get(p.name);
        if (before) def.previous = before;
        if (live && prev && !sameDefinition(prev, def)) this.diagAt(fo, d, 0, 'warning', `"${p.name}" redefined`);
        this.macros.set(p.name, def);
        return;
      }
      case 'undef': {
        const t = d.text.trim();
        const m = /^[A-Za-z_$][\w$]*/.exec(t);
        if (!m) {
          if (live)
            this.diagAt(
              fo,
              d,
              0,
              'error',
              t ? 'macro names must be identifiers' : 'no macro name given in #undef directive',
            );
          return;
        }
        if (live) this.undef(m[0]);
        else this.macros.delete(m[0]);
        return;
      }
      case 'include':
      case 'include_next':
      case 'import':
        this.include(d, fo, mode, prep);
        return;
      case 'error':
        if (live)
          this.errors.push({
            file: fo.path,
            line: d.line,
            column: d.column - d.name.length,
            message: `#error ${displayText(d.text)}`.trimEnd(),
          });
        return;
      case 'warning':
        if (live) this.diag(fo.path, d.line, 'warning', `#warning ${displayText(d.text)}`.trimEnd());
        return;
      case 'pragma':
        if (live) this.pragma(d, fo);
        return;
      case 'line':
      case 'ident':
      case 'sccs':
      case 'assert':
      case 'unassert':
      case '':
        return;
      default:
        if (live) this.diagAt(fo, d, 0, 'error', `invalid preprocessing directive #${d.name}`);
    }
  }

  private include(d: Directive, fo: FileOutcome, mode: Mode, prep: Prepared): void {
    const live = mode === LIVE;
    const spec = prep.include(d);
    if (isDefineError(spec)) {
      if (live) this.diagAt(fo, d, spec.offset, 'error', spec.message);
      return;
    }
    let { spelled, angled } = spec;
    if (spec.computed) {
      try {
        const toks = expand(spec.computed, { macros: this.macros, inIf: false, notes: [] });
        const text = toks.map((t, i) => (i && t.ws ? ' ' : '') + t.s).join('');
        if (toks[0]?.k === 'str') [spelled, angled] = [toks[0].s.slice(1, -1), false];
        else if (text.startsWith('<') && text.endsWith('>')) [spelled, angled] = [text.slice(1, -1), true];
        else throw new ExpansionError(`#include expects "FILENAME" or <FILENAME>`, 0);
      } catch (e) {
        if (live && e instanceof ExpansionError) this.diagAt(fo, d, e.offset, 'error', e.message);
        return;
      }
    }
    const key = `${dirname(fo.path)}\0${spelled}\0${angled ? 1 : 0}${spec.next ? 1 : 0}`;
    let to = this.resolveCache.get(key);
    if (to === undefined) {
      to = resolveInclude(spelled, angled, fo.path, this.input.paths, this.input.sources, spec.next);
      this.resolveCache.set(key, to);
    }
    if (!to) {
      if (live && !angled) this.unresolved.push({ file: fo.path, line: d.line, spelled });
      return;
    }
    const from = { file: fo.path, line: d.line };
    if (mode === SEARCH) {
      if (to === this.input.shadowTarget) {
        this.includeFile(to, from, SHADOW);
        this.shadowFound = true;
      } else if (!this.shadowFound) this.includeFile(to, from, SEARCH);
      return;
    }
    this.includeFile(to, from, mode);
  }

  private pragma(d: Directive, fo: FileOutcome): void {
    const t = displayText(d.text);
    if (t === 'once') {
      this.once.add(fo.path);
      return;
    }
    const m = /^(push_macro|pop_macro)\s*\(\s*"([^"]+)"\s*\)$/.exec(t);
    if (!m) return;
    const stack = this.pushed.get(m[2]) ?? [];
    if (m[1] === 'push_macro') {
      stack.push(this.macros.get(m[2]));
      this.pushed.set(m[2], stack);
    } else if (stack.length) {
      const def = stack.pop();
      if (def) this.macros.set(m[2], def);
      else this.macros.delete(m[2]);
    }
  }

  private diagAt(
    fo: FileOutcome,
    d: Directive,
    offset: number,
    severity: SimDiagnostic['severity'],
    message: string,
  ): void {
    const p = directivePosition(d, offset);
    this.diag(fo.path, p.line, severity, message, p.column);
  }

  private diag(
    file: string,
    line: number,
    severity: SimDiagnostic['severity'],
    message: string,
    column?: number,
  ): void {
    this.diagnostics.push(
      column === undefined ? { file, line, severity, message } : { file, line, column, severity, message },
    );
  }
}
