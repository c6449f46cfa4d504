// The baseline for B1, B2 and B6: a plain @slack/bolt App on a loopback port, configured like Foothold's
// (HTTP receiver, signing secret, single bot token, Web API calls to the same Slack stand-in, Bolt's default
// logging at info), with no product code. `/eql` acks and opens a static modal of the same size as
// Foothold's submission modal, ack and views.open side by side as Foothold does; a view submission is acked
// with a static confirmation view like Foothold's.
//
// Environment: PORT, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL, BENCH_VIEWS (a JSON file with
// `{ modal, result }`). Tells the parent its port over IPC once listening.

import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { App } from '@slack/bolt';
import type { View } from '@slack/types';
import { answerMemoryQueries, reportReady } from './lib.ts';

async function main(): Promise<void> {
  const views = JSON.parse(readFileSync(process.env.BENCH_VIEWS ?? '', 'utf8')) as {
    modal: View;
    result: View;
  };
  const app = new App({
    signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
    token: process.env.SLACK_BOT_TOKEN ?? '',
    clientOptions: { slackApiUrl: process.env.SLACK_API_URL ?? '' },
  });
  app.command('/eql', async ({ ack, client, command }) => {
    await Promise.allSettled([
      ack(),
      client.views.open({ trigger_id: command.trigger_id, view: views.modal }),
    ]);
  });
  app.view('submit_lead', async ({ ack }) => {
    await ack({ response_action: 'update', view: views.result });
  });
  const server = (await app.start(Number(process.env.PORT ?? 0))) as Server;
  const address = server.address();
  answerMemoryQueries();
  reportReady({ port: address && typeof address === 'object' ? address.port : 0 });
  process.on('SIGTERM', () => {
    void app.stop().then(() => process.exit(0));
  });
}

void main();
