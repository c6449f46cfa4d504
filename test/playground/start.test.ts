import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { playgroundMode } from '../../src/config/env.ts';
import { JOBS } from '../../src/jobs/index.ts';
import { runPlayground } from '../../src/playground/start.ts';
import { viewStateValues } from '../../src/playground/view-state.ts';
import { channelsFor, worldFromConfig } from '../../src/playground/world.ts';
import { testConfig } from '../helpers/db.ts';

describe('playgroundMode', () => {
  test.each([
    [{}, true],
    [{ SLACK_BOT_TOKEN: '  ', PORT: '3000', DATABASE_PATH: 'x.db' }, true],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, false],
    [{ SLACK_SIGNING_SECRET: 'secret-123' }, false],
    [{ SLACK_APP_TOKEN: 'xapp-1' }, false],
    [{ SLACK_CLIENT_ID: '1.2' }, false],
    [{ SLACK_API_URL: 'http://127.0.0.1:1/api/' }, false],
  ])('%j → %s', (env, expected) => {
    expect(playgroundMode(env)).toBe(expected);
  });
});

describe('worldFromConfig', () => {
  const world = worldFromConfig(testConfig());

  test('channels from the config, named for what they are; shared ones connected to the partner team', () => {
    expect(world.channels.map((c) => [c.id, c.name, c.kind])).toEqual([
      ['C0ROUTING', 'eql-routing', 'routing'],
      ['C0EMEA', 'eql-gb', 'routing'],
      ['C0LEADERS', 'partner-leaders', 'digest'],
      ['C0SHAREDN', 'shared-northwind', 'shared'],
      ['C0SHAREDC', 'shared-contoso', 'shared'],
    ]);
    expect(world.standIn.channels?.find((c) => c.id === 'C0SHAREDN')).toEqual({
      id: 'C0SHAREDN',
      name: 'shared-northwind',
      isExtShared: true,
      connectedTeamIds: ['T0NORTH'],
    });
  });

  test('two people per partner in its own workspace; internal people from roles and managers', () => {
    expect(world.people.map((p) => [p.userId, p.teamId, p.kind, p.name])).toEqual([
      ['U0SNORTHWIN1', 'T0NORTH', 'partner', 'Pat Northwind'],
      ['U0SNORTHWIN2', 'T0NORTH', 'partner', 'Chris Northwind'],
      ['U0SCONTOSO1', 'T0CONTOSO', 'partner', 'Jordan Contoso'],
      ['U0SCONTOSO2', 'T0CONTOSO', 'partner', 'Morgan Contoso'],
      ['U0REP1', 'T0VENDOR', 'rep', 'Riley Rep'],
      ['U0REP2', 'T0VENDOR', 'rep', 'Sam Rep'],
      ['U0LEAD', 'T0VENDOR', 'leader', 'Lee Leader'],
      ['U0ADMIN', 'T0VENDOR', 'admin', 'Ada Admin'],
      ['U0PAM', 'T0VENDOR', 'manager', 'Parker Partner-Manager'],
    ]);
  });

  test('a partner sees only its own shared channel; the vendor team sees them all', () => {
    const pat = world.people[0];
    const riley = world.people.find((p) => p.userId === 'U0REP1');
    expect(pat && channelsFor(world, pat).map((c) => c.id)).toEqual(['C0SHAREDN']);
    expect(riley && channelsFor(world, riley)).toHaveLength(5);
  });
});

describe('viewStateValues', () => {
  const option = (text: string, value: string) => ({ text: { type: 'plain_text', text }, value });
  const input = (blockId: string, element: Record<string, unknown>) => ({
    type: 'input',
    block_id: blockId,
    label: { type: 'plain_text', text: blockId },
    element: { action_id: `${blockId}_a`, ...element },
  });
  const view = {
    blocks: [
      { type: 'section', block_id: 'intro', text: { type: 'mrkdwn', text: 'hi' } },
      input('name', { type: 'plain_text_input' }),
      input('empty', { type: 'plain_text_input' }),
      input('rel', { type: 'static_select', options: [option('Customer', 'customer')] }),
      input('willing', { type: 'radio_buttons', options: [option('Yes', 'yes'), option('No', 'no')] }),
      input('tags', { type: 'checkboxes', options: [option('A', 'a'), option('B', 'b')] }),
      input('owner', { type: 'users_select' }),
      input('when', { type: 'datepicker' }),
    ],
  };

  test('shapes each element as Slack sends it; empty fields are null; unknown options are dropped', () => {
    expect(
      viewStateValues(view, {
        name: ['Acme'],
        empty: [],
        rel: ['customer'],
        willing: ['maybe'],
        tags: ['b', 'zzz'],
        owner: ['U0REP1'],
        when: ['2026-12-01'],
        intro: ['ignored'],
        invented: ['ignored'],
      }),
    ).toEqual({
      name: { name_a: { type: 'plain_text_input', value: 'Acme' } },
      empty: { empty_a: { type: 'plain_text_input', value: null } },
      rel: {
        rel_a: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'Customer', emoji: true }, value: 'customer' },
        },
      },
      willing: { willing_a: { type: 'radio_buttons', selected_option: null } },
      tags: {
        tags_a: {
          type: 'checkboxes',
          selected_options: [{ text: { type: 'plain_text', text: 'B', emoji: true }, value: 'b' }],
        },
      },
      owner: { owner_a: { type: 'users_select', selected_user: 'U0REP1' } },
      when: { when_a: { type: 'datepicker', selected_date: '2026-12-01' } },
    });
  });
});

describe('runPlayground', () => {
  const cwd = process.cwd();
  let dir = '';
  afterEach(() => {
    process.chdir(cwd);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('without a config file it uses the example program, says so, and prints the playground line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'foothold-pg-start-'));
    process.chdir(dir);
    const lines: string[] = [];
    const pg = await runPlayground({ LOG_LEVEL: 'silent' }, (l) => lines.push(l), { port: 0 });
    try {
      expect(lines[0]).toBe(
        'No ./foothold.config.json yet: the playground uses the example program (foothold.config.example.json).',
      );
      expect(lines[1]).toBe(
        `Foothold playground (no Slack settings found): open http://localhost:${pg.port}/playground — set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to run the real bot.`,
      );
      // Its own database, never the real bot's default.
      expect(existsSync(join(dir, 'data', 'playground.db'))).toBe(true);
      expect(existsSync(join(dir, 'data', 'foothold.db'))).toBe(false);
      const res = await fetch(`http://127.0.0.1:${pg.port}/playground/api/state?as=U0REP1&where=C0ROUTING`);
      const state = (await res.json()) as { title: string; empty: boolean; jobs: Array<{ name: string }> };
      expect(state.title).toBe('# eql-routing');
      expect(state.empty).toBe(true);
      expect(state.jobs.map((j) => j.name)).toEqual(JOBS.map((j) => j.name));
      const bad = await fetch(
        `http://127.0.0.1:${pg.port}/playground/api/state?as=U0SNORTHWIN1&where=C0ROUTING`,
      );
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ ok: false, error: 'Pat Northwind is not in that channel' });
      // Actions take JSON only (no CORS-free form posts from other sites), and only under a local host name.
      const form = await fetch(`http://127.0.0.1:${pg.port}/playground/api/run`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{"job":"digest"}',
      });
      expect(form.status).toBe(415);
      const rebound = await new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: pg.port, path: '/playground', headers: { host: 'evil.example:3000' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(rebound).toBe(403);
      await pg.workspace.seed();
    } finally {
      await pg.close();
    }
    // Started again on the same database: the leads are there, their Slack posts are not, and it says so.
    const again: string[] = [];
    const pg2 = await runPlayground({ LOG_LEVEL: 'silent' }, (l) => again.push(l), { port: 0 });
    // One bot per database file: a second playground on it is refused, naming the holder.
    await expect(runPlayground({ LOG_LEVEL: 'silent' }, () => {}, { port: 0 })).rejects.toThrow(
      /^Foothold will not start: DATABASE_PATH=\S+\/data\/playground\.db is in use by a running Foothold bot /,
    );
    await pg2.close();
    expect(again[3]).toMatch(
      /^The database holds \d+ lead\(s\) from earlier sessions; Slack's side starts empty each time, so their old posts are not shown/,
    );
  });
});
