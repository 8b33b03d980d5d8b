/**
 * Every `perfHeat.*` setting: its type, default and allowed values, read the same way by the extension (config.ts)
 * and the language server (server.ts), whichever LSP client sends them. Pure, so that
 * test/node/settings-schema.test.ts can check it against package.json: neither can drift.
 *
 * No setting needs a server restart: the server pulls the settings on every profile load and on every
 * workspace/didChangeConfiguration, and the client re-reads its own on every change (so there is no restart rule).
 */

interface Spec<T> {
  readonly type: 'string' | 'boolean' | 'array' | 'object';
  readonly default: T;
  /** For string settings with an `enum` in package.json. */
  readonly values?: readonly T[];
}

const text = (): Spec<string> => ({ type: 'string', default: '' });
const choice = <T extends string>(values: readonly T[], d: T): Spec<T> => ({ type: 'string', default: d, values });
const flag = (d: boolean): Spec<boolean> => ({ type: 'boolean', default: d });
const list = (): Spec<string[]> => ({ type: 'array', default: [] });
const map = (): Spec<Record<string, string>> => ({ type: 'object', default: {} });

export const SETTINGS = {
  profile: text(),
  binaryPaths: list(),
  pathRemaps: map(),
  addr2linePath: text(),
  symbolizer: choice(['builtin', 'addr2line', 'llvm-symbolizer'], 'builtin'),
  llvmSymbolizerPath: text(),
  'heat.lineText': choice(['share', 'shareOfFunction', 'count', 'none'], 'share'),
  'heat.gutterBar': flag(true),
  'heat.revealHottestLine': flag(true),
  'flags.defines': list(),
  compileCommands: text(),
  'make.variables': list(),
  'totals.style': choice(['text', 'codeLens', 'none'], 'text'),
  'report.groups': list(),
};

export type SettingName = keyof typeof SETTINGS;
export type Settings = { [K in SettingName]: (typeof SETTINGS)[K] extends Spec<infer T> ? T : never };

/**
 * Reads every setting through `get` (VS Code's configuration, or the server's workspace/configuration answer).
 * A value of the wrong type falls back to the default and is reported through `problem`, one line naming it.
 */
export function readSettings(
  get: (name: SettingName) => unknown,
  problem: (message: string) => void = () => undefined,
): Settings {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, Spec<unknown>][]) {
    const value = get(name);
    if (value === undefined || value === null) out[name] = spec.default;
    else if (valid(spec, value)) out[name] = value;
    else {
      problem(
        `perfHeat.${name} must be ${expected(spec)}, not ${JSON.stringify(value)}: using ${JSON.stringify(spec.default)}`,
      );
      out[name] = spec.default;
    }
  }
  return out as Settings;
}

/** workspace/configuration answers nest dotted names (`{ heat: { lineText } }`); VS Code's own API does not. */
export function nestedGet(section: unknown): (name: SettingName) => unknown {
  return (name) =>
    name
      .split('.')
      .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), section);
}

function valid(spec: Spec<unknown>, v: unknown): boolean {
  switch (spec.type) {
    case 'string':
      return typeof v === 'string' && (!spec.values || spec.values.includes(v));
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'object':
      return (
        typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'string')
      );
  }
}

function expected(spec: Spec<unknown>): string {
  if (spec.values) return `one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return { string: 'a string', boolean: 'true or false', array: 'a list of strings', object: 'an object of strings' }[
    spec.type
  ];
}
