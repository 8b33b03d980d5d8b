import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nestedGet, readSettings, SETTINGS } from '../../src/settings';

const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));
const schema: Record<string, { default: unknown; type: string; enum?: string[] }> =
  manifest.contributes.configuration.properties;

test('every setting in package.json is in the shared schema (src/settings.ts) with the same type, default and values, and back', () => {
  const declared = Object.keys(schema)
    .map((k) => k.replace(/^perfHeat\./, ''))
    .sort();
  assert.deepEqual(declared, Object.keys(SETTINGS).sort());
  for (const [name, s] of Object.entries(SETTINGS)) {
    const p = schema[`perfHeat.${name}`];
    assert.deepEqual(p.default, s.default, `default of perfHeat.${name}`);
    assert.equal(p.type, s.type, `type of perfHeat.${name}`);
    assert.deepEqual(p.enum, 'values' in s ? s.values : undefined, `allowed values of perfHeat.${name}`);
  }
});

test('settings as an LSP client sends them (dotted names nested): read typed, a wrong value defaulted with a one-line reason', () => {
  const problems: string[] = [];
  const s = readSettings(
    nestedGet({
      profile: 'p.data',
      heat: { lineText: 'count', gutterBar: 'yes' },
      flags: { defines: ['A=1'] },
      pathRemaps: { '/ci': '/src' },
    }),
    (m) => problems.push(m),
  );
  assert.equal(s.profile, 'p.data');
  assert.equal(s['heat.lineText'], 'count');
  assert.deepEqual(s['flags.defines'], ['A=1']);
  assert.deepEqual(s.pathRemaps, { '/ci': '/src' });
  assert.equal(s['heat.gutterBar'], true, 'the default, not the string');
  assert.equal(s['totals.style'], 'text', 'absent: the default');
  assert.deepEqual(problems, ['perfHeat.heat.gutterBar must be true or false, not "yes": using true']);
  readSettings(nestedGet({ heat: { lineText: 'loud' }, binaryPaths: [3] }), (m) => problems.push(m));
  assert.match(problems[1], /^perfHeat\.binaryPaths must be a list of strings/);
  assert.match(
    problems[2],
    /^perfHeat\.heat\.lineText must be one of "share", "shareOfFunction", "count", "none", not "loud"/,
  );
});

test('activation is on demand, never *', () => {
  assert.ok(!manifest.activationEvents.includes('*'));
  assert.ok(
    manifest.activationEvents.every((e: string) => /^(onLanguage|onCommand|workspaceContains|onView):/.test(e)),
  );
});

test('every contributed command is titled and in the Perf Heat category', () => {
  for (const c of manifest.contributes.commands) {
    assert.match(c.command, /^perfHeat\./);
    assert.equal(c.category, 'Perf Heat');
  }
});

test('every theme colour has defaults for dark, light and both high-contrast themes', () => {
  for (const c of manifest.contributes.colors)
    for (const k of ['dark', 'light', 'highContrast', 'highContrastLight']) assert.ok(c.defaults[k], `${c.id}.${k}`);
  for (let i = 1; i <= 10; i++)
    assert.ok(manifest.contributes.colors.some((c: { id: string }) => c.id === `perfHeat.heat${i}`));
});
