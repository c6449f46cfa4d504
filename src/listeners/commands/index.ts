import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps.ts';
import { eqlCommand } from './eql.ts';

/** Every slash command in manifest.json, and only those (a test keeps the two in step). */
export const COMMANDS = ['/eql'] as const;

export function registerCommands(app: App, deps: ListenerDeps): void {
  app.command('/eql', eqlCommand(deps));
}
