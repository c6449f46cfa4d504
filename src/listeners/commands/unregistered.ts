import type { ProgramConfig } from '../../config/program-config.ts';

/** What someone from an unregistered organisation is told: why, and who to contact. Nothing is stored. */
export function unregisteredText(config: ProgramConfig, channelId?: string | null): string {
  // In a partner's shared channel, that partner's manager is the person to talk to; elsewhere, an admin.
  const channelPartner = channelId ? config.partners.find((p) => p.channels.includes(channelId)) : undefined;
  const contact = channelPartner?.manager ?? config.roles.admins[0];
  return (
    "Thanks for reaching out! Foothold only takes leads from organisations registered in this partner program, and yours isn't registered yet, so nothing was saved. " +
    (contact
      ? `Please contact the partner team (<@${contact}>) to get set up.`
      : 'Please contact your partner manager to get set up.')
  );
}
