import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgramConfig } from '../../../src/config/program-config.ts';
import type { StandInOptions } from '../../../src/dev/slack-stand-in.ts';
import { exampleConfigJson, testConfig } from '../../helpers/db.ts';
import { programStandInOptions, VENDOR_TEAM } from '../../helpers/harness.ts';
import type { Person } from '../../helpers/slack-actors.ts';

// The reliability suite's program: the example config plus a third partner org (Fabrikam) and a bench of
// extra reps for the claim race. Every scenario plays people from this cast.

export const FABRIKAM_PARTNER = {
  slug: 'fabrikam',
  name: 'Fabrikam Partners',
  teamIds: ['T0FABRIK'],
  channels: ['C0SHAREDF'],
  manager: 'U0PAM',
};

/** Reps that exist only for the claim race (all in `roles.reps`). */
export const RACE_REPS = Array.from({ length: 50 }, (_, i) => `U0RACE${String(i + 1).padStart(2, '0')}`);

export function programJson(): Record<string, unknown> {
  const raw = exampleConfigJson();
  (raw.partners as unknown[]).push(FABRIKAM_PARTNER);
  const roles = raw.roles as { reps: string[] };
  roles.reps = [...roles.reps, ...RACE_REPS];
  return raw;
}

export function programConfig(): ProgramConfig {
  return testConfig((raw) => Object.assign(raw, programJson()));
}

/** Writes the program as a config file (for the bot run as its own process). */
export function writeProgramConfig(dir: string): string {
  const path = join(dir, 'foothold.config.json');
  writeFileSync(path, JSON.stringify(programJson(), null, 2));
  return path;
}

export function programStandIn(): StandInOptions {
  const base = programStandInOptions();
  return {
    ...base,
    channels: [
      ...(base.channels ?? []),
      { id: 'C0SHAREDF', name: 'shared-fabrikam', isExtShared: true, connectedTeamIds: ['T0FABRIK'] },
    ],
    users: [
      ...(base.users ?? []),
      { id: 'U0FABPAT', teamId: 'T0FABRIK', realName: 'Pat Fabrikam', tz: 'Europe/Berlin' },
      ...RACE_REPS.map((id) => ({ id, teamId: VENDOR_TEAM, realName: `Racer ${id.slice(-2)}` })),
    ],
  };
}

export interface Org {
  slug: string;
  name: string;
  teamId: string;
  channelId: string;
}

export const ORGS: readonly Org[] = [
  { slug: 'northwind', name: 'Northwind Consulting', teamId: 'T0NORTH', channelId: 'C0SHAREDN' },
  { slug: 'contoso', name: 'Contoso Systems', teamId: 'T0CONTOSO', channelId: 'C0SHAREDC' },
  { slug: 'fabrikam', name: 'Fabrikam Partners', teamId: 'T0FABRIK', channelId: 'C0SHAREDF' },
];

/** The n-th partner person of an org (users the stand-in does not list are accepted like real ones). */
export function partnerPerson(org: Org, n: number): Person {
  const prefix = org.slug.slice(0, 3).toUpperCase();
  return { userId: `U0${prefix}${String(n).padStart(4, '0')}`, teamId: org.teamId, channelId: org.channelId };
}

export const CAST = {
  pat: { userId: 'U0NWPAT', teamId: 'T0NORTH', channelId: 'C0SHAREDN' },
  bob: { userId: 'U0NWBOB', teamId: 'T0NORTH', channelId: 'C0SHAREDN' },
  con: { userId: 'U0CONPAT', teamId: 'T0CONTOSO', channelId: 'C0SHAREDC' },
  fab: { userId: 'U0FABPAT', teamId: 'T0FABRIK', channelId: 'C0SHAREDF' },
  stranger: { userId: 'U0STRANGER', teamId: 'T0UNKNOWN', channelId: 'C0RANDOM' },
  rep1: { userId: 'U0REP1', teamId: VENDOR_TEAM, channelId: 'C0ROUTING' },
  rep2: { userId: 'U0REP2', teamId: VENDOR_TEAM, channelId: 'C0ROUTING' },
  leader: { userId: 'U0LEAD', teamId: VENDOR_TEAM, channelId: 'C0ROUTING' },
  admin: { userId: 'U0ADMIN', teamId: VENDOR_TEAM, channelId: 'C0ROUTING' },
  /** Someone in the vendor's workspace with no role in the program. */
  nobody: { userId: 'U0INTERN', teamId: VENDOR_TEAM, channelId: 'C0ROUTING' },
} satisfies Record<string, Person>;
