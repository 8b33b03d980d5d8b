/**
 * Reads a GNU Makefile the way make reads it before building anything: variable assignments of every flavour
 * (`=`, `:=`, `::=`, `?=`, `+=`, `!=`, `define … endef`, `override`, `export`), conditionals (`ifeq`/`ifneq`/
 * `ifdef`/`ifndef`/`else if…`/`endif`), `include`, `$(eval …)`, rules (explicit, pattern, static pattern, `::`)
 * with their recipes, and target-specific variables (`preset_lite: DEFS_EXTRA += -D…`). Command-line variables
 * (`make SHARDS=8`) win over the Makefile's, as in make. Nothing is executed (see make-expand.ts).
 *
 * Which `-D`s a target compiles with is worked out in make-flags.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type AssignOp, expand, type ExpandScope, type MakeVar, type TargetVar, words } from './make-expand';

export interface Rule {
  targets: string[];
  prereqs: string[];
  recipe: { text: string; line: number }[];
  line: number;
  doubleColon: boolean;
  /** `targets: target-pattern: prereq-patterns`. */
  staticPattern?: { pattern: string; prereqs: string[] };
}

export interface Makefile {
  path: string;
  dir: string;
  vars: Map<string, MakeVar>;
  rules: Rule[];
  targetVars: TargetVar[];
  defaultGoal?: string;
  commandLine: Record<string, string>;
  notes: string[];
}

export interface ReadMakefileOptions {
  /** `make NAME=VALUE` variables: they override the Makefile's assignments. */
  commandLine?: Record<string, string>;
  /** Environment variables make would see (default: none, so results do not depend on the caller's shell). */
  env?: Record<string, string>;
}

const DEFAULTS: Record<string, string> = {
  CC: 'cc',
  CXX: 'g++',
  CPP: '$(CC) -E',
  AR: 'ar',
  AS: 'as',
  LD: 'ld',
  RM: 'rm -f',
  MAKE: 'make',
  SHELL: '/bin/sh',
  'COMPILE.c': '$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c',
  OUTPUT_OPTION: '-o $@',
  MAKEFLAGS: '',
  MAKELEVEL: '0',
};

export function readMakefile(path: string, opts: ReadMakefileOptions = {}): Makefile {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new Error(`${abs}: cannot read the Makefile (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseMakefile(text, abs, opts);
}

/** A Makefile from its text (`path` names it and its folder for includes, wildcards and messages). */
export function parseMakefile(text: string, path: string, opts: ReadMakefileOptions = {}): Makefile {
  const abs = resolve(path);
  const mf: Makefile = {
    path: abs,
    dir: dirname(abs),
    vars: new Map(),
    rules: [],
    targetVars: [],
    commandLine: { ...(opts.commandLine ?? {}) },
    notes: [],
  };
  for (const [k, v] of Object.entries(DEFAULTS)) mf.vars.set(k, { value: v, flavor: 'recursive', origin: 'default' });
  for (const [k, v] of Object.entries(opts.env ?? {}))
    mf.vars.set(k, { value: v, flavor: 'recursive', origin: 'environment' });
  for (const [k, v] of Object.entries(mf.commandLine))
    mf.vars.set(k, { value: v, flavor: 'recursive', origin: 'command line' });
  mf.vars.set('CURDIR', { value: mf.dir, flavor: 'simple', origin: 'file' });
  mf.vars.set('MAKEFILE_LIST', { value: abs, flavor: 'simple', origin: 'file' });
  parseInto(mf, text, abs, 0);
  const goal = mf.vars.get('.DEFAULT_GOAL');
  if (goal) mf.defaultGoal = expand(goal.value, scopeOf(mf)).trim() || mf.defaultGoal;
  return mf;
}

export function scopeOf(mf: Makefile, extra: Partial<ExpandScope> = {}): ExpandScope {
  return {
    vars: mf.vars,
    dir: mf.dir,
    file: mf.path,
    notes: mf.notes,
    evalText: (t) => parseInto(mf, t, `${mf.path} ($(eval))`, 1),
    ...extra,
  };
}

/** First unnested assignment operator or rule colon of a line. */
function findOperator(s: string): { at: number; op: AssignOp | ':' | '::' } | null {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '$' && (s[i + 1] === '(' || s[i + 1] === '{')) {
      const open = s[i + 1];
      const close = open === '(' ? ')' : '}';
      let depth = 0;
      for (let j = i + 1; j < s.length; j++) {
        if (s[j] === open) depth++;
        else if (s[j] === close && --depth === 0) {
          i = j;
          break;
        }
      }
      continue;
    }
    if (c === '=') {
      const p = s[i - 1];
      if (p === '+' || p === '?' || p === '!') return { at: i - 1, op: `${p}=` as AssignOp };
      return { at: i, op: '=' };
    }
    if (c === ':') {
      if (s[i + 1] === '=') return { at: i, op: ':=' };
      if (s[i + 1] === ':' && s[i + 2] === '=') return { at: i, op: '::=' };
      if (s[i + 1] === ':' && s[i + 2] === ':' && s[i + 3] === '=') return { at: i, op: ':::=' };
      if (/^[A-Za-z]$/.test(s.slice(0, i).trim()) && s[i + 1] === '/') continue; // C:/path
      return s[i + 1] === ':' ? { at: i, op: '::' } : { at: i, op: ':' };
    }
  }
  return null;
}

function stripComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\' && line[i + 1] === '#') {
      line = line.slice(0, i) + line.slice(i + 1);
      continue;
    }
    if (line[i] === '#') return line.slice(0, i);
  }
  return line;
}

const PREFIXES = new Set(['override', 'export', 'private']);

function assign(mf: Makefile, name: string, op: AssignOp, value: string, mods: Set<string>): void {
  const existing = mf.vars.get(name);
  const override = mods.has('override');
  if (existing && existing.origin === 'command line' && !override) return;
  const origin = override ? 'override' : 'file';
  const exported = mods.has('export') || existing?.exported;
  const scope = scopeOf(mf);
  let v: MakeVar;
  switch (op) {
    case '=':
      v = { value, flavor: 'recursive', origin };
      break;
    case '?=':
      if (existing) return;
      v = { value, flavor: 'recursive', origin };
      break;
    case '+=':
      if (!existing) v = { value, flavor: 'recursive', origin };
      else if (existing.flavor === 'simple')
        v = { ...existing, value: `${existing.value} ${expand(value, scope)}`.trim() };
      else v = { ...existing, value: `${existing.value} ${value}`.trim() };
      break;
    case '!=':
      mf.notes.push(`${name} != ${value.trim()}: the shell command is not run; ${name} is empty`);
      v = { value: '', flavor: 'simple', origin };
      break;
    default:
      v = { value: expand(value, scope), flavor: 'simple', origin };
  }
  if (exported) v.exported = true;
  mf.vars.set(name, v);
}

function evalCondition(kind: string, arg: string, mf: Makefile): boolean {
  const scope = scopeOf(mf);
  if (kind === 'ifdef' || kind === 'ifndef') {
    const v = mf.vars.get(expand(arg, scope).trim());
    const defined = !!v && v.value !== '';
    return kind === 'ifdef' ? defined : !defined;
  }
  let a: string;
  let b: string;
  const t = arg.trim();
  if (t.startsWith('(')) {
    const inner = t.slice(1, t.lastIndexOf(')'));
    let depth = 0;
    let comma = -1;
    for (let i = 0; i < inner.length; i++) {
      if (inner[i] === '(' || inner[i] === '{') depth++;
      else if (inner[i] === ')' || inner[i] === '}') depth--;
      else if (inner[i] === ',' && depth === 0) {
        comma = i;
        break;
      }
    }
    a = comma < 0 ? inner : inner.slice(0, comma);
    b = comma < 0 ? '' : inner.slice(comma + 1);
    a = expand(a, scope).trim();
    b = expand(b, scope).trim();
  } else {
    const m = /^(["'])(.*?)\1\s+(["'])(.*?)\3$/.exec(t);
    if (!m) {
      mf.notes.push(`cannot read the condition "${kind} ${t}": taken as false`);
      return false;
    }
    a = expand(m[2], scope);
    b = expand(m[4], scope);
  }
  return kind === 'ifeq' ? a === b : a !== b;
}

function parseInto(mf: Makefile, text: string, where: string, depth: number): void {
  if (depth > 20) {
    mf.notes.push(`${where}: includes nested too deeply; stopped`);
    return;
  }
  const lines = text.split(/\r\n|\n/);
  const cond: { active: boolean; done: boolean; parent: boolean }[] = [];
  let rule: Rule | null = null;
  let def: { name: string; op: AssignOp; mods: Set<string>; body: string[]; nest: number; skip: boolean } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw = lines[i];
    const active = cond.every((c) => c.active);
    if (def) {
      if (/^\s*endef\b/.test(raw) && --def.nest === 0) {
        if (!def.skip) assign(mf, def.name, def.op, def.body.join('\n'), def.mods);
        def = null;
      } else {
        if (/^\s*define\b/.test(raw)) def.nest++;
        def.body.push(raw);
      }
      continue;
    }
    if (raw.startsWith('\t') && rule) {
      let cmd = raw.slice(1);
      while (cmd.endsWith('\\') && i + 1 < lines.length)
        cmd = `${cmd.slice(0, -1)} ${lines[++i].replace(/^\t/, '').trimStart()}`;
      if (active) rule.recipe.push({ text: cmd, line: lineNo });
      continue;
    }
    while (raw.endsWith('\\') && i + 1 < lines.length) raw = `${raw.slice(0, -1).trimEnd()} ${lines[++i].trimStart()}`;
    const t = stripComment(raw).trim();
    if (!t) continue;
    const cm = /^(ifeq|ifneq|ifdef|ifndef)(\s+|(?=\())(.*)$/.exec(t);
    if (cm) {
      const v = active && evalCondition(cm[1], cm[3], mf);
      cond.push({ active: v, done: v, parent: active });
      continue;
    }
    if (/^else\b/.test(t)) {
      const c = cond[cond.length - 1];
      if (!c) {
        mf.notes.push(`${where}:${lineNo}: else without if`);
        continue;
      }
      const rest = t.slice(4).trim();
      const m2 = /^(ifeq|ifneq|ifdef|ifndef)(\s+|(?=\())(.*)$/.exec(rest);
      const v = c.parent && !c.done && (m2 ? evalCondition(m2[1], m2[3], mf) : true);
      c.active = v;
      c.done ||= v;
      continue;
    }
    if (/^endif\b/.test(t)) {
      if (!cond.pop()) mf.notes.push(`${where}:${lineNo}: endif without if`);
      continue;
    }
    const dm = /^((?:(?:override|export|private)\s+)*)define\s+(\S+?)\s*(=|:=|::=|\?=|\+=)?\s*$/.exec(t);
    if (dm) {
      def = {
        name: expand(dm[2], scopeOf(mf)),
        op: (dm[3] as AssignOp) ?? '=',
        mods: new Set(words(dm[1])),
        body: [],
        nest: 1,
        skip: !active,
      };
      continue;
    }
    if (!active) continue;
    rule = null;
    const inc = /^(-?include|sinclude)\s+(.*)$/.exec(t);
    if (inc) {
      for (const f of words(expand(inc[2], scopeOf(mf)))) {
        const p = resolve(mf.dir, f);
        let body: string;
        try {
          body = readFileSync(p, 'utf8');
        } catch {
          if (inc[1] === 'include') mf.notes.push(`${where}:${lineNo}: included makefile ${f} not found`);
          continue;
        }
        mf.vars.set('MAKEFILE_LIST', {
          value: `${mf.vars.get('MAKEFILE_LIST')?.value ?? ''} ${p}`,
          flavor: 'simple',
          origin: 'file',
        });
        parseInto(mf, body, p, depth + 1);
      }
      continue;
    }
    const ex = /^(export|unexport|undefine|override\s+undefine)\s+([^=:]*)$/.exec(t);
    if (ex) {
      for (const n of words(expand(ex[2], scopeOf(mf)))) {
        if (ex[1] === 'export') {
          const v = mf.vars.get(n);
          if (v) v.exported = true;
        } else if (ex[1].endsWith('undefine')) mf.vars.delete(n);
      }
      continue;
    }
    if (/^vpath\b/.test(t) || t === 'export' || t === 'unexport') continue;
    const op = findOperator(t);
    if (!op) {
      // A line that is only an expansion ($(eval …), $(info …)): expand it for its effects.
      if (t.includes('$')) expand(t, scopeOf(mf));
      else mf.notes.push(`${where}:${lineNo}: cannot read "${t.slice(0, 60)}"`);
      continue;
    }
    if (op.op !== ':' && op.op !== '::') {
      const lhs = t.slice(0, op.at).trim().split(/\s+/);
      const mods = new Set<string>();
      while (lhs.length > 1 && PREFIXES.has(lhs[0])) mods.add(lhs.shift()!);
      const name = expand(lhs.join(' '), scopeOf(mf)).trim();
      assign(mf, name, op.op, t.slice(op.at + op.op.length).replace(/^[ \t]+/, ''), mods);
      continue;
    }
    rule = parseRule(mf, t, op, lineNo);
  }
  if (def) mf.notes.push(`${where}: define ${def.name} has no endef`);
  if (cond.length) mf.notes.push(`${where}: ${cond.length} conditional(s) without endif`);
}

function parseRule(mf: Makefile, t: string, op: { at: number; op: string }, lineNo: number): Rule | null {
  const scope = scopeOf(mf);
  const targets = words(expand(t.slice(0, op.at), scope));
  const rest = t.slice(op.at + op.op.length);
  const inner = findOperator(rest);
  if (inner && inner.op !== ':' && inner.op !== '::') {
    // Target-specific variable: `target: [override] NAME op value`.
    const lhs = rest.slice(0, inner.at).trim().split(/\s+/);
    const mods = new Set<string>();
    while (lhs.length > 1 && PREFIXES.has(lhs[0])) mods.add(lhs.shift()!);
    const name = expand(lhs.join(' '), scope).trim();
    const value = rest.slice(inner.at + inner.op.length).replace(/^[ \t]+/, '');
    for (const target of targets)
      mf.targetVars.push({ target, name, op: inner.op, value, override: mods.has('override') });
    return null;
  }
  const semi = rest.indexOf(';');
  const deps = semi < 0 ? rest : rest.slice(0, semi);
  const rule: Rule = { targets, prereqs: [], recipe: [], line: lineNo, doubleColon: op.op === '::' };
  if (inner) {
    rule.staticPattern = {
      pattern: expand(deps.slice(0, inner.at), scope).trim(),
      prereqs: words(expand(deps.slice(inner.at + 1), scope)),
    };
  } else {
    rule.prereqs = words(expand(deps, scope)).filter((w) => w !== '|');
  }
  if (semi >= 0) rule.recipe.push({ text: rest.slice(semi + 1).trim(), line: lineNo });
  mf.rules.push(rule);
  if (!mf.defaultGoal) {
    const goal = targets.find((x) => !x.includes('%') && (!x.startsWith('.') || x.includes('/')));
    if (goal) mf.defaultGoal = goal;
  }
  return rule;
}
