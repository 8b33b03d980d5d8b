import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS } from '../../src/extension/settings';

const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));
const schema: Record<string, { default: unknown; type: string }> = manifest.contributes.configuration.properties;

test('every setting in package.json has a typed accessor entry with the same default, and back', () => {
  const declared = Object.keys(schema).map((k) => k.replace(/^perfHeat\./, '')).sort();
  assert.deepEqual(declared, Object.keys(SETTINGS).sort());
  for (const [name, s] of Object.entries(SETTINGS)) {
    assert.deepEqual(schema[`perfHeat.${name}`].default, s.default, `default of perfHeat.${name}`);
    const jsType = Array.isArray(s.default) ? 'array' : typeof s.default === 'object' ? 'object' : typeof s.default;
    assert.equal(schema[`perfHeat.${name}`].type, jsType, `type of perfHeat.${name}`);
  }
});

test('activation is on demand, never *', () => {
  assert.ok(!manifest.activationEvents.includes('*'));
  assert.ok(manifest.activationEvents.every((e: string) => /^(onLanguage|onCommand|workspaceContains|onView):/.test(e)));
});

test('every contributed command is titled and in the Perf Heat category', () => {
  for (const c of manifest.contributes.commands) {
    assert.match(c.command, /^perfHeat\./);
    assert.equal(c.category, 'Perf Heat');
  }
});

test('every theme colour has defaults for dark, light and both high-contrast themes', () => {
  for (const c of manifest.contributes.colors) for (const k of ['dark', 'light', 'highContrast', 'highContrastLight']) assert.ok(c.defaults[k], `${c.id}.${k}`);
  for (let i = 1; i <= 10; i++) assert.ok(manifest.contributes.colors.some((c: { id: string }) => c.id === `perfHeat.heat${i}`));
});
