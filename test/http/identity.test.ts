import { afterEach, describe, expect, it } from 'vitest';
import { homeConflicts } from '../../src/app.ts';
import { openInstallation } from '../../src/db/installation-secrets.ts';
import { createInstallationStore } from '../../src/db/stores/installation-store.ts';
import type { SlackPayload } from '../../src/dev/slack-client.ts';
import type { StandInOptions } from '../../src/dev/slack-stand-in.ts';
import { ACTIONS, CALLBACKS } from '../../src/slack/ids.ts';
import { testConfig } from '../helpers/db.ts';
import { type Harness, programStandInOptions, startHarness, TEST_KEYRING } from '../helpers/harness.ts';
import { lastModal, modalCount, type Person, recentDate, submissionValues } from '../helpers/slack-actors.ts';
import { type EnvelopeWorld, events, VENDOR_ORG, WORLDS } from '../helpers/slack-payloads.ts';
import { sqlAll, sqlGet } from '../helpers/sql.ts';

// Identity across organisations over HTTP (PRODUCT.md section 2; issue 9 items 1–3 and 5), with requests
// shaped as Slack sends them on Enterprise Grid and in Slack Connect (test/helpers/slack-payloads.ts).

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** The example program plus Fabrikam, a partner known only by its single-organisation shared channel. */
function program(world: EnvelopeWorld) {
  return world.config(
    testConfig((raw) => {
      (raw.partners as unknown[]).push({
        slug: 'fabrikam',
        name: 'Fabrikam Partners',
        teamIds: [],
        channels: ['C0SHAREDF'],
        manager: 'U0PAM',
      });
    }),
  );
}
function slackWorld(world: EnvelopeWorld, extra: Partial<StandInOptions> = {}): StandInOptions {
  const base = programStandInOptions();
  return world.standIn({
    ...base,
    ...extra,
    channels: [
      ...(base.channels ?? []),
      { id: 'C0SHAREDF', name: 'shared-fabrikam', isExtShared: true, connectedTeamIds: ['T0FABRIK'] },
    ],
  });
}
async function harness(
  world: EnvelopeWorld,
  opts: Parameters<typeof startHarness>[0] = {},
): Promise<Harness> {
  const h = await startHarness({ config: program(world), standIn: slackWorld(world), ...opts });
  cleanups.push(() => h.stop());
  return h;
}

const PAT: Person = { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' };
const FAB: Person = { userId: 'U0FABPAT', teamId: 'T0FABRIK', channelId: 'C0SHAREDF' };
/** A vendor employee from a sibling workspace of the vendor's Grid organisation, in Fabrikam's channel. */
const SIBLING: Person = { userId: 'W0SIBLING', teamId: 'T0VSALES', channelId: 'C0SHAREDF' };

/** An installation as Bolt's OAuth flow stores it (oauth.v2.access: `team` null for an org-wide install). */
async function install(
  h: Harness,
  where: {
    team?: { id: string; name: string };
    enterprise?: { id: string; name: string };
    isEnterpriseInstall?: boolean;
  },
  botUserId: string,
  token: string,
  rotation?: { refreshToken: string; expiresAt: number },
) {
  await createInstallationStore(h.db, Date.now, TEST_KEYRING).storeInstallation({
    team: where.team,
    enterprise: where.enterprise,
    bot: { id: `B${botUserId.slice(1)}`, userId: botUserId, token, scopes: ['chat:write'], ...rotation },
    user: { id: 'W0INSTALLER', token: undefined, scopes: undefined },
    tokenType: 'bot',
    isEnterpriseInstall: where.isEnterpriseInstall ?? false,
    appId: 'A0000APP',
    authVersion: 'v2',
  } as never);
}

const count = async (h: Harness, sql: string) => ((await sqlGet(h.db, sql)) as { n: number }).n;

/**
 * Slack events are acknowledged before they are handled: waits (up to 5 s) until `done` holds, so the handling
 * has committed before the test looks (it always passes on time on SQLite; PostgreSQL takes a little longer).
 */
async function handled(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function openedModal(h: Harness, who: Person, before: number) {
  const modal = await lastModal(h, who.userId, before);
  return modal;
}

function submitFor(h: Harness, world: EnvelopeWorld, who: Person, payload: SlackPayload) {
  return h.slack.viewSubmission(world.wrapInteraction(who, payload));
}

describe.each(['grid', 'grid-org'] as const)(
  'a Grid partner registered by its organisation id (%s)',
  (envelope) => {
    const world = WORLDS[envelope];
    it('is recognised on the slash command, the pinned card and the shortcut, and its lead is credited to it', async () => {
      const h = await harness(world);
      expect(h.config.partners.find((p) => p.slug === 'northwind')?.teamIds).toEqual(['E0NORTH']);

      // /eql from Northwind's own Grid workspace: team_id T0NORTH, enterprise_id E0NORTH.
      let before = modalCount(h, PAT.userId);
      const cmd = await h.slack.command(
        world.command(PAT, {
          command: '/eql',
          channelId: 'C0NWINTERNAL',
          triggerId: h.standIn.issueTriggerId({ userId: PAT.userId }),
        }),
      );
      expect(cmd.status).toBe(200);
      expect(JSON.stringify(cmd.json ?? '')).not.toMatch(/isn't registered/);
      const fromCommand = await openedModal(h, PAT, before);
      // The partner's modal asks for warmth; a rep's would ask which partner.
      expect(JSON.stringify(fromCommand.payload.blocks)).toContain('strength');

      // The pinned card in the shared channel: user.team_id is the organisation id E0NORTH.
      before = modalCount(h, PAT.userId);
      await h.slack.action(
        world.action(PAT, {
          actionId: ACTIONS.flagAccount,
          value: 'flag',
          channelId: 'C0SHAREDN',
          triggerId: h.standIn.issueTriggerId({ userId: PAT.userId }),
        }),
      );
      expect(JSON.stringify((await openedModal(h, PAT, before)).payload.blocks)).toContain('strength');

      // The message shortcut, from Northwind's own install.
      before = modalCount(h, PAT.userId);
      await h.slack.shortcut(
        world.messageShortcut(PAT, {
          callbackId: CALLBACKS.flagAsEql,
          channel: 'C0NWINTERNAL',
          message: { ts: '1700000000.000100', text: 'Acme wants a partner portal' },
          triggerId: h.standIn.issueTriggerId({ userId: PAT.userId }),
        }),
      );
      const fromShortcut = await openedModal(h, PAT, before);
      expect(JSON.stringify(fromShortcut.payload.blocks)).toContain('strength');

      const res = await h.slack.viewSubmission(
        world.viewSubmission(PAT, {
          view: fromShortcut.payload,
          callbackId: fromShortcut.callbackId,
          privateMetadata: String(fromShortcut.payload.private_metadata ?? ''),
          values: submissionValues({ website: 'grid-acme.com', lastInteractionOn: recentDate() }) as never,
        }),
      );
      expect(res.status).toBe(200);
      expect(
        await sqlGet(
          h.db,
          "select partner_slug as p, surfaced_by as s from leads where domain = 'grid-acme.com'",
        ),
      ).toEqual({
        p: 'northwind',
        s: 'partner',
      });
      // Their organisation is recorded, so the right installation can reach them later.
      expect(
        await sqlGet(
          h.db,
          'select enterprise_id as e, partner_slug as p from people where user_id = ?',
          PAT.userId,
        ),
      ).toEqual({
        e: 'E0NORTH',
        p: 'northwind',
      });
    });
  },
);

describe('a vendor employee from a sibling Grid workspace', () => {
  const world = WORLDS.grid;
  // Three ways Slack may say where they belong: the organisation in user.team_id (documented for Grid), their
  // workspace plus user.enterprise_id, or their workspace alone when Foothold has learnt its organisation.
  const variants: Array<[string, (p: SlackPayload) => SlackPayload, (h: Harness) => Promise<void>]> = [
    [
      'user.team_id is the vendor organisation',
      (p) => ({ ...p, user: { ...(p.user as object), team_id: VENDOR_ORG } }),
      async () => {},
    ],
    [
      'user.enterprise_id names the vendor organisation',
      (p) => ({ ...p, user: { ...(p.user as object), team_id: 'T0VSALES', enterprise_id: VENDOR_ORG } }),
      async () => {},
    ],
    [
      'the workspace alone, learnt from its installation',
      (p) => ({ ...p, user: { ...(p.user as object), team_id: 'T0VSALES' } }),
      async (h) => {
        await install(
          h,
          { team: { id: 'T0VSALES', name: 'Vendor Sales' }, enterprise: { id: VENDOR_ORG, name: 'Vendor' } },
          'U0VSBOT',
          'xoxb-vsales',
        );
      },
    ],
    [
      'the workspace alone, learnt from an earlier command of theirs',
      (p) => ({ ...p, user: { ...(p.user as object), team_id: 'T0VSALES' } }),
      async (h) => {
        // /eql from the sibling workspace states its organisation (team_id T0VSALES, enterprise_id E0VENDOR).
        const res = await h.slack.command({
          ...world.command(SIBLING, { command: '/eql', text: 'help' }),
          enterprise_id: VENDOR_ORG,
        });
        expect(res.status).toBe(200);
        expect(
          await sqlGet(h.db, "select enterprise_id as e from slack_workspaces where team_id = 'T0VSALES'"),
        ).toEqual({
          e: VENDOR_ORG,
        });
      },
    ],
  ];
  it.each(variants)(
    'is never a partner in a channel that vouches for one (%s)',
    async (_name, shape, learn) => {
      const h = await harness(world);
      await learn(h);
      const before = modalCount(h, SIBLING.userId);
      const click = await h.slack.action(
        shape(
          world.action(SIBLING, {
            actionId: ACTIONS.flagAccount,
            value: 'flag',
            channelId: 'C0SHAREDF',
            triggerId: h.standIn.issueTriggerId({ userId: SIBLING.userId }),
          }),
        ),
      );
      expect(click.status).toBe(200);
      // No role in the program: told so privately, no partner modal.
      const told = await h.standIn.waitFor(
        (c) => c.method === 'chat.postEphemeral' && c.args.user === SIBLING.userId,
      );
      expect(String(told.args.text)).toMatch(/role in this partner program/);
      expect(modalCount(h, SIBLING.userId)).toBe(before);

      // A forged partner submission from the same person is refused and stores nothing.
      const forged = await h.slack.viewSubmission(
        shape(
          world.viewSubmission(SIBLING, {
            callbackId: CALLBACKS.submitLead,
            privateMetadata: JSON.stringify({ channelId: 'C0SHAREDF' }),
            values: submissionValues({
              website: 'sibling-acme.com',
              lastInteractionOn: recentDate(),
            }) as never,
          }),
        ),
      );
      expect(forged.status).toBe(200);
      expect(await count(h, 'select count(*) as n from leads')).toBe(0);
      expect(await count(h, "select count(*) as n from people where partner_slug = 'fabrikam'")).toBe(0);

      // The channel still vouches for Fabrikam's own people (not on Grid, registered by channel only).
      const fab = await submitFor(
        h,
        WORLDS.connect,
        FAB,
        world.viewSubmission(FAB, {
          callbackId: CALLBACKS.submitLead,
          privateMetadata: JSON.stringify({ channelId: 'C0SHAREDF' }),
          values: submissionValues({ website: 'fab-acme.com', lastInteractionOn: recentDate() }) as never,
        }),
      );
      expect(fab.status).toBe(200);
      expect(await sqlGet(h.db, "select partner_slug as p from leads where domain = 'fab-acme.com'")).toEqual(
        { p: 'fabrikam' },
      );
    },
  );
});

describe('the vendor’s organisation learnt from requests', () => {
  it('makes the whole organisation home once a request through the vendor’s workspace names it', async () => {
    // auth.test says nothing of Grid (the workspace joined an organisation after start-up)...
    const h = await startHarness({ config: program(WORLDS.grid), standIn: slackWorld(WORLDS.connect) });
    cleanups.push(() => h.stop());
    expect(h.foothold.deps.services.homeEnterpriseIds).toEqual([]);
    // ...then a rep clicks in the vendor's workspace, whose payload names its organisation.
    await h.slack.action(
      WORLDS.grid.action({ userId: 'U0REP1', teamId: 'T0VENDOR' }, { actionId: 'noop', value: 'x' }),
    );
    expect(h.foothold.deps.services.homeEnterpriseIds).toEqual([VENDOR_ORG]);
    // A sibling-workspace employee naming that organisation is home from now on, in a vouching channel too.
    await h.slack.viewSubmission({
      ...WORLDS.grid.viewSubmission(SIBLING, {
        callbackId: CALLBACKS.submitLead,
        privateMetadata: JSON.stringify({ channelId: 'C0SHAREDF' }),
        values: submissionValues({ website: 'sibling-acme.com', lastInteractionOn: recentDate() }) as never,
      }),
      user: { id: SIBLING.userId, team_id: 'T0VSALES', enterprise_id: VENDOR_ORG },
    });
    expect(await count(h, 'select count(*) as n from leads')).toBe(0);
  });
});

describe('installed partners: App Home through their installation; uninstalls and revoked tokens', () => {
  const OAUTH = {
    SLACK_CLIENT_ID: '111.222',
    SLACK_CLIENT_SECRET: 'client-secret',
    SLACK_STATE_SECRET: 'a-long-state-secret-for-tests',
  };
  const CONTOSO_GRID: Person = { userId: 'W0CONPAT', teamId: 'T0CONTOSO', channelId: 'C0SHAREDC' };

  async function installed(): Promise<Harness> {
    const world = WORLDS.connect;
    const config = testConfig((raw) => {
      // Contoso is on Grid and installed Foothold org-wide: registered by its organisation id.
      const partners = raw.partners as Array<{ slug: string; teamIds: string[] }>;
      const contoso = partners.find((p) => p.slug === 'contoso');
      if (contoso) contoso.teamIds = ['E0CONTOSO'];
    });
    const h = await startHarness({
      config,
      standIn: slackWorld(world, {
        tokens: [
          'xoxb-test',
          { token: 'xoxb-northwind', teamId: 'T0NORTH', userId: 'U0NWBOT', botId: 'B0NWBOT' },
          {
            token: 'xoxb-contoso-org',
            teamId: 'T0CONTOSO',
            enterpriseId: 'E0CONTOSO',
            userId: 'W0COBOT',
            botId: 'B0COBOT',
          },
        ],
      }),
      env: OAUTH,
    });
    cleanups.push(() => h.stop());
    await install(h, { team: { id: 'T0NORTH', name: 'Northwind' } }, 'U0NWBOT', 'xoxb-northwind');
    await install(
      h,
      { enterprise: { id: 'E0CONTOSO', name: 'Contoso Org' }, isEnterpriseInstall: true },
      'W0COBOT',
      'xoxb-contoso-org',
    );
    return h;
  }

  /** Opens App Home and returns the token its views.publish went out with. */
  async function homeToken(h: Harness, userId: string, envelope: SlackPayload): Promise<string | undefined> {
    const before = h.standIn.calls('views.publish').length;
    const res = await h.slack.event(envelope);
    expect(res.status).toBe(200);
    const call = await h.standIn.waitFor(
      (c) =>
        c.method === 'views.publish' &&
        c.args.user_id === userId &&
        c.seq > 0 &&
        h.standIn.calls('views.publish').length > before,
    );
    return call.token;
  }

  const viaTeam = (teamId: string, event: SlackPayload): SlackPayload => ({
    ...WORLDS.workspace.event(event, { userId: 'x', teamId }),
  });
  const viaOrg = (enterpriseId: string, teamId: string, event: SlackPayload): SlackPayload => ({
    ...WORLDS['grid-org'].event(event),
    team_id: teamId,
    enterprise_id: enterpriseId,
    authorizations: [
      {
        enterprise_id: enterpriseId,
        team_id: null,
        user_id: 'W0COBOT',
        is_bot: true,
        is_enterprise_install: true,
      },
    ],
  });

  it('publishes each person’s App Home through their own installation, the vendor’s token only for home', async () => {
    const h = await installed();
    expect(await homeToken(h, 'U0REP1', viaTeam('T0VENDOR', events.appHomeOpened('U0REP1')))).toBe(
      'xoxb-test',
    );
    // Pat opens Foothold's Home in Northwind's own workspace: Northwind's installation answers.
    expect(await homeToken(h, PAT.userId, viaTeam('T0NORTH', events.appHomeOpened(PAT.userId)))).toBe(
      'xoxb-northwind',
    );
    // A Contoso person on Grid, in a workspace of the org-wide install.
    expect(
      await homeToken(
        h,
        CONTOSO_GRID.userId,
        viaOrg('E0CONTOSO', 'T0CONTOSO', events.appHomeOpened(CONTOSO_GRID.userId)),
      ),
    ).toBe('xoxb-contoso-org');

    // Once Pat is known as Northwind's (a lead flagged), their Home goes through Northwind's installation
    // even when the event arrives through the vendor's.
    const flagged = await h.slack.viewSubmission(
      WORLDS.connect.viewSubmission(PAT, {
        callbackId: CALLBACKS.submitLead,
        privateMetadata: JSON.stringify({ channelId: 'C0SHAREDN' }),
        values: submissionValues({ website: 'home-acme.com', lastInteractionOn: recentDate() }) as never,
      }),
    );
    expect(flagged.status).toBe(200);
    expect(await homeToken(h, PAT.userId, viaTeam('T0VENDOR', events.appHomeOpened(PAT.userId)))).toBe(
      'xoxb-northwind',
    );
    const home = h.standIn
      .calls('views.publish')
      .filter((c) => c.args.user_id === PAT.userId)
      .at(-1);
    expect(JSON.stringify(home?.args.view)).toContain('home-acme.com');
  });

  it('rotates an expiring token through the installation store, and App Home uses the new one', async () => {
    const h = await installed();
    // Token rotation on: Northwind's bot token expires in 10 minutes, inside Bolt's 2-hour refresh window
    // (@slack/oauth InstallProvider.authorize; https://docs.slack.dev/tools/bolt-js/concepts/token-rotation).
    await install(h, { team: { id: 'T0NORTH', name: 'Northwind' } }, 'U0NWBOT', 'xoxe.xoxb-northwind-old', {
      refreshToken: 'xoxe-1-northwind-refresh',
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    });
    const token = await homeToken(h, PAT.userId, viaTeam('T0NORTH', events.appHomeOpened(PAT.userId)));
    const refresh = h.standIn.calls('oauth.v2.access').at(-1);
    expect(refresh?.args.grant_type).toBe('refresh_token');
    expect(refresh?.args.refresh_token).toBe('xoxe-1-northwind-refresh');
    // Stored sealed (FOOTHOLD_ENCRYPTION_KEY); opened here with the harness's key.
    const stored = openInstallation(
      JSON.parse(
        (
          (await sqlGet(
            h.db,
            "select installation from slack_installations where install_key = 'T0NORTH'",
          )) as {
            installation: string;
          }
        ).installation,
      ),
      TEST_KEYRING,
      'T0NORTH',
    ) as { bot: { token: string; refreshToken: string; expiresAt: number } };
    expect(stored.bot.token).toMatch(/^xoxe\.xoxb-refreshed-/);
    expect(stored.bot.refreshToken).not.toBe('xoxe-1-northwind-refresh');
    expect(stored.bot.expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000) + 3600);
    // The Home went out with the rotated token, never the stale one.
    expect(token).toBe(stored.bot.token);
  });

  it('app_uninstalled deletes the installation, is audited and tells the admins; the vendor token takes over', async () => {
    const h = await installed();
    const res = await h.slack.event(viaTeam('T0NORTH', events.appUninstalled()));
    expect(res.status).toBe(200);
    await handled(
      'the uninstall',
      async () =>
        (await count(h, "select count(*) as n from lead_events where type = 'installation_removed'")) > 0,
    );
    await h.drain();
    expect(
      await count(h, "select count(*) as n from slack_installations where install_key = 'T0NORTH'"),
    ).toBe(0);
    const audit = (await sqlAll(
      h.db,
      "select type, data from lead_events where type = 'installation_removed'",
    )) as Array<{
      data: string;
    }>;
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]?.data ?? '{}')).toMatchObject({
      teamId: 'T0NORTH',
      installations: ['T0NORTH'],
      partner: 'northwind',
    });
    const dm = h.standIn.messagesTo('U0ADMIN').at(-1);
    expect(dm?.text).toMatch(/uninstalled in Northwind Consulting’s workspace: Northwind \(T0NORTH\)/);
    // Pat's App Home now goes through the vendor's token (Northwind's is gone).
    expect(await homeToken(h, PAT.userId, viaTeam('T0VENDOR', events.appHomeOpened(PAT.userId)))).toBe(
      'xoxb-test',
    );
  });

  it('tokens_revoked for an org-wide install deletes it by its bot user and tells the admins', async () => {
    const h = await installed();
    const res = await h.slack.event(
      viaOrg('E0CONTOSO', 'T0CONTOSO', events.tokensRevoked({ bot: ['W0COBOT'] })),
    );
    expect(res.status).toBe(200);
    await handled(
      'the revocation',
      async () => (await count(h, "select count(*) as n from lead_events where type = 'tokens_revoked'")) > 0,
    );
    await h.drain();
    expect(
      await count(h, "select count(*) as n from slack_installations where install_key = 'E0CONTOSO'"),
    ).toBe(0);
    expect(
      await count(h, "select count(*) as n from slack_installations where install_key = 'T0NORTH'"),
    ).toBe(1);
    expect(await count(h, "select count(*) as n from lead_events where type = 'tokens_revoked'")).toBe(1);
    expect(h.standIn.messagesTo('U0ADMIN').at(-1)?.text).toMatch(
      /bot token was revoked in Contoso Systems’s workspace: Contoso Org \(E0CONTOSO\)/,
    );
    // A revocation of user tokens only changes nothing: Foothold keeps no user tokens.
    await h.slack.event(viaTeam('T0NORTH', events.tokensRevoked({ oauth: ['U0NWPAT'] })));
    await h.drain();
    expect(
      await count(h, "select count(*) as n from slack_installations where install_key = 'T0NORTH'"),
    ).toBe(1);
    expect(await count(h, "select count(*) as n from lead_events where type = 'tokens_revoked'")).toBe(1);
  });
});

describe('a partner registration that names home', () => {
  it('is reported at start-up, and home wins', () => {
    const config = testConfig((raw) => {
      const partners = raw.partners as Array<{ slug: string; teamIds: string[] }>;
      const northwind = partners.find((p) => p.slug === 'northwind');
      if (northwind) northwind.teamIds = ['T0NORTH', VENDOR_ORG];
    });
    expect(homeConflicts(config, { homeTeamIds: ['T0VENDOR'], homeEnterpriseIds: [VENDOR_ORG] })).toEqual([
      "partners[northwind].teamIds lists E0VENDOR, the vendor's own workspace or organisation: its people stay internal, never Northwind Consulting",
    ]);
    expect(homeConflicts(config, { homeTeamIds: ['T0VENDOR'], homeEnterpriseIds: [] })).toEqual([]);
  });
});
