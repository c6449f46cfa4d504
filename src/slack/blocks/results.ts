import type { ModalView } from '@slack/types';
import type { SubmitResult } from '../../services/submit-lead.ts';
import { context, modal, section } from '../limits.ts';
import { escapeMrkdwn } from '../mrkdwn.ts';

/** A closing modal that tells the person what happened (it replaces the form on submit). */
export function resultModal(title: string, text: string, note?: string): ModalView {
  return modal({
    title,
    close: 'Done',
    callbackId: 'foothold_result',
    blocks: [section(text), ...(note ? [context([note])] : [])],
  });
}

/** What a submitter sees the moment they submit; the details follow by DM. */
export function submissionResultModal(
  res: SubmitResult,
  ctx: { timeZone: string; audience: 'partner' | 'internal' },
): ModalView {
  const partnerSide = ctx.audience === 'partner';
  switch (res.kind) {
    case 'created':
    case 'attested': {
      const name = `*${escapeMrkdwn(res.view.accountName)}*`;
      if (res.status === 'qualified' || res.status === 'claimed') {
        return resultModal(
          'It’s an EQL',
          `${name} cleared all four gates and is on its way to the sales team.`,
          partnerSide ? 'We’ll message you when a rep picks it up.' : 'It is in the routing channel now.',
        );
      }
      if (res.status === 'awaiting_attestation') {
        return resultModal(
          'Flagged',
          `${name} is saved. We’ve asked *${escapeMrkdwn(res.view.partner.name)}* to attest the relationship (through their shared channel, the people we know there, or their partner manager); it qualifies once they do.`,
        );
      }
      return resultModal(
        'Not an EQL yet',
        `${name} is saved as a candidate: not every gate passed.`,
        partnerSide
          ? 'We’ve sent you a message with what is missing and how to fix it.'
          : 'The partner will be asked to attest; `/eql status` shows which gate is open.',
      );
    }
    case 'duplicate':
      return resultModal(
        'Already flagged',
        partnerSide
          ? `Your organisation already flagged *${escapeMrkdwn(res.view.accountName)}*, and it’s in progress. You’ll hear from us at every step.`
          : `*${escapeMrkdwn(res.view.accountName)}* is already in the program (${escapeMrkdwn(res.view.status.replace(/_/g, ' '))}); nothing new was saved. \`/eql status ${escapeMrkdwn(res.view.domain)}\` shows it.`,
      );
    case 'corroborated':
      return resultModal(
        'Thanks, noted',
        `*${escapeMrkdwn(res.view.accountName)}* is already registered with our team. Your signal was added to it and you’re credited as a corroborating partner.`,
      );
    case 'conflict':
      return resultModal(
        'Already with us',
        `${res.reason === 'customer' ? 'This account is already a customer' : 'There’s already an active deal with this account'}, so it can’t be registered as a new lead. ${partnerSide ? 'Your partner manager has been told, and will follow up with you.' : 'The partner manager has been told.'}`,
      );
  }
}
