import type { Installation, InstallationStore } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { type HomeIdentity, isHomeQuery, withHomeInstallation } from '../../src/oauth/home-installation.ts';

// The vendor's own installation comes from the environment, for a workspace token and an org-wide (Grid) one.

const base = { teamName: 'Vendor', botId: 'B0', botUserId: 'U0BOT', token: 'xoxb-env', scopes: ['commands'] };
const workspace: HomeIdentity = { ...base, teamId: 'T0VENDOR', enterpriseId: 'E0VENDOR', orgWide: false };
const orgWide: HomeIdentity = { ...base, teamId: 'T0VENDOR', enterpriseId: 'E0VENDOR', orgWide: true };

describe('isHomeQuery', () => {
  it.each([
    ['workspace token, its team', workspace, { teamId: 'T0VENDOR', isEnterpriseInstall: false }, true],
    ['workspace token, another team', workspace, { teamId: 'T0NORTH', isEnterpriseInstall: false }, false],
    [
      'workspace token, an org-wide query',
      workspace,
      { enterpriseId: 'E0VENDOR', isEnterpriseInstall: true },
      false,
    ],
    [
      'org-wide token, its organisation',
      orgWide,
      { enterpriseId: 'E0VENDOR', teamId: 'T0X', isEnterpriseInstall: true },
      true,
    ],
    [
      'org-wide token, another organisation',
      orgWide,
      { enterpriseId: 'E0OTHER', isEnterpriseInstall: true },
      false,
    ],
    [
      'org-wide token, a workspace-level query',
      orgWide,
      { teamId: 'T0VENDOR', isEnterpriseInstall: false },
      false,
    ],
  ] as const)('%s', (_name, home, query, expected) => {
    expect(isHomeQuery(home, { enterpriseId: undefined, teamId: undefined, ...query })).toBe(expected);
  });
});

describe('withHomeInstallation', () => {
  it('answers home from the environment and everything else from the store, never storing home', async () => {
    const stored: Installation[] = [];
    const store: InstallationStore = {
      storeInstallation: async (i) => {
        stored.push(i as Installation);
      },
      fetchInstallation: async (q) =>
        ({ team: { id: q.teamId ?? '?' }, bot: { token: 'xoxb-partner' } }) as never,
    };
    let home: HomeIdentity | null = null;
    const wrapped = withHomeInstallation(store, () => home);
    const q = { teamId: 'T0VENDOR', isEnterpriseInstall: false, enterpriseId: undefined };
    // Before start-up knows home, the store answers.
    expect((await wrapped.fetchInstallation(q)).bot?.token).toBe('xoxb-partner');
    home = orgWide;
    expect(
      await wrapped.fetchInstallation({
        enterpriseId: 'E0VENDOR',
        teamId: 'T0VENDOR',
        isEnterpriseInstall: true,
      }),
    ).toMatchObject({
      team: undefined,
      enterprise: { id: 'E0VENDOR' },
      isEnterpriseInstall: true,
      bot: { token: 'xoxb-env' },
    });
    home = workspace;
    expect(await wrapped.fetchInstallation(q)).toMatchObject({
      team: { id: 'T0VENDOR' },
      bot: { token: 'xoxb-env' },
    });
    expect((await wrapped.fetchInstallation({ ...q, teamId: 'T0NORTH' })).bot?.token).toBe('xoxb-partner');
    expect(stored).toEqual([]);
  });
});
