import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { BOT_SCOPES, HISTORY_SCOPES } from '../src/app.ts';
import { COMMANDS } from '../src/listeners/commands/index.ts';
import { EVENTS } from '../src/listeners/events/index.ts';
import { SHORTCUTS } from '../src/listeners/shortcuts/index.ts';

const manifest = JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8'));
// The variant with the optional history scopes (README, "Least privilege").
const withHistory = JSON.parse(
  readFileSync(new URL('../manifest.with-history.json', import.meta.url), 'utf8'),
);
// Slack's own manifest schema, committed so that CI on a fresh clone validates against it; the workspace's
// reference copy beside the repository, when present, must be the same file.
const SCHEMA_PATH = fileURLToPath(new URL('./fixtures/slack-manifest.schema.2.0.0.json', import.meta.url));
const REFERENCE_SCHEMA_PATH = fileURLToPath(
  new URL('../../shared/slack/manifest.schema.2.0.0.json', import.meta.url),
);

describe('manifest.json', () => {
  it.runIf(existsSync(REFERENCE_SCHEMA_PATH))('uses the same schema as the reference copy', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(readFileSync(REFERENCE_SCHEMA_PATH, 'utf8'));
  });

  it("validates against Slack's own manifest JSON schema", () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const ok = validate(manifest);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('declares exactly the slash commands the app listens to', () => {
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command).sort()).toEqual(
      [...COMMANDS].sort(),
    );
    for (const c of manifest.features.slash_commands) expect(c.usage_hint).toBeTruthy();
  });

  it('declares exactly the shortcuts the app listens to', () => {
    expect(manifest.features.shortcuts.map((s: { callback_id: string }) => s.callback_id).sort()).toEqual(
      [...SHORTCUTS].sort(),
    );
  });

  it('subscribes to exactly the bot events the app listens to', () => {
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([...EVENTS].sort());
  });

  it('requests the same bot scopes as the OAuth install flow, and no more', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES].sort());
  });

  it('asks for no history scope: Foothold reads no conversation unless the vendor opts in', () => {
    expect(manifest.oauth_config.scopes.bot.filter((s: string) => s.endsWith(':history'))).toEqual([]);
  });

  it('has a variant that adds exactly the optional history scopes and differs in nothing else', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(withHistory), JSON.stringify(validate.errors)).toBe(true);
    expect([...withHistory.oauth_config.scopes.bot].sort()).toEqual(
      [...BOT_SCOPES, ...HISTORY_SCOPES].sort(),
    );
    const strip = (m: { oauth_config: { scopes: { bot: string[] } } }) => ({
      ...m,
      oauth_config: { ...m.oauth_config, scopes: { bot: [] } },
    });
    expect(strip(withHistory)).toEqual(strip(manifest));
  });

  it('enables interactivity and the Home tab the app relies on', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });
});
