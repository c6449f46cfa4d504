import type { FootholdRoles } from '../../app.ts';
import { type Command, EXIT } from '../types.ts';

// `foothold web` and `foothold worker` (PRODUCT.md section 13): one role each, for deployments on PostgreSQL
// that run any number of each. `npm start` runs both in one process (the only way on SQLite). Both run until
// SIGTERM or SIGINT; the bot's code is loaded only when one of them runs.

function serveCommand(role: 'web' | 'worker', summary: string, description: string[]): Command {
  const roles: FootholdRoles = { web: role === 'web', worker: role === 'worker' };
  return {
    name: role,
    usage: '',
    summary,
    description: [
      ...description,
      '',
      'Reads the same environment as `npm start` (the Slack settings, DATABASE_URL, FOOTHOLD_CONFIG...). Needs',
      'PostgreSQL (DATABASE_URL): on SQLite one process owns the database file, so run `npm start` instead.',
      'Runs until SIGTERM or SIGINT, then finishes what is in flight and exits.',
    ].join('\n'),
    async run(_args, ctx) {
      const { serve } = await import('../../main.ts');
      const code = await serve(roles, { env: ctx.env, stderr: ctx.stderr });
      return code === 0 ? EXIT.ok : EXIT.failed;
    },
  };
}

export const web = serveCommand('web', 'Serve Slack only: the listeners (HTTP or Socket Mode) and /healthz', [
  'Answers Slack (commands, buttons, modals, events) and /healthz on PORT. Messages it queues are sent by',
  'the workers (`foothold worker`); run as many web instances behind a load balancer as you need.',
]);

export const worker = serveCommand(
  'worker',
  'Send and schedule only: the outbox sender, CRM write-backs and the scheduled jobs',
  [
    'Delivers the outbox to Slack and the CRM write-backs, and runs the scheduled jobs. Several workers share',
    'the work: outbox rows are leased (a dead worker’s lease expires within 30 s) and each job period runs',
    'once. It serves no Slack requests; /healthz is served on WORKER_HEALTH_PORT when that is set.',
  ],
);
