import type { App } from '@slack/bolt';
import { CALLBACKS } from '../../slack/ids.ts';
import type { ListenerDeps } from '../deps.ts';
import { flagAsEqlShortcut } from './flag-as-eql.ts';

/** Every shortcut callback id in manifest.json (a test keeps the two in step). */
export const SHORTCUTS = [CALLBACKS.flagAsEql] as const;

export function registerShortcuts(app: App, deps: ListenerDeps): void {
  app.shortcut(CALLBACKS.flagAsEql, flagAsEqlShortcut(deps));
}
