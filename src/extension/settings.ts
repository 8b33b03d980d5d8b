/**
 * The `perfHeat.*` settings with their defaults, in a module without `vscode` so that
 * test/node/settings-schema.test.ts can check it against the schema in package.json: neither can drift.
 */
export const SETTINGS = {
  profile: { default: '', restart: false },
  binaryPaths: { default: [] as string[], restart: false },
  pathRemaps: { default: {} as Record<string, string>, restart: false },
  addr2linePath: { default: '', restart: false },
  'heat.lineText': { default: 'share' as 'share' | 'shareOfFunction' | 'count' | 'none', restart: false },
  'heat.gutterBar': { default: true, restart: false },
  'flags.defines': { default: [] as string[], restart: false },
  'totals.style': { default: 'text' as 'text' | 'codeLens' | 'none', restart: false },
} as const;

export type SettingName = keyof typeof SETTINGS;
