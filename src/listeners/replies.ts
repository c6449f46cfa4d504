import type { WebClient } from '@slack/web-api';
import { DomainError } from '../core/errors.ts';
import { FIELD_BLOCK, viewErrors } from '../slack/ids.ts';
import { escapeMrkdwn, mention } from '../slack/mrkdwn.ts';

/**
 * Turns a use case's field errors into `response_action: errors` keyed by block ids of the submitted view.
 * Slack refuses the whole answer when one names a block the view does not have, so an error whose input is
 * not there goes on `fallbackBlock`; null when that is missing too (show the message another way).
 */
export function modalErrors(
  err: DomainError,
  fallbackBlock: string,
  blocksInView: ReadonlySet<string>,
): Record<string, string> | null {
  const errors = viewErrors(err.fields, blocksInView) ?? {};
  const shown = Object.keys(errors).length;
  // What found no input of its own (or the error's sentence when nothing did) goes on the fallback input.
  const unplaced = Object.entries(err.fields).find(([field]) => !blocksInView.has(FIELD_BLOCK[field] ?? ''));
  const rest = unplaced?.[1] ?? (shown === 0 ? err.message : null);
  if (rest !== null && blocksInView.has(fallbackBlock)) errors[fallbackBlock] ??= rest.slice(0, 150);
  return Object.keys(errors).length > 0 ? errors : null;
}

/**
 * Tells one person, privately, why their click did nothing. In a channel that is an ephemeral message;
 * where there is no channel (App Home), a DM.
 */
export async function tellPrivately(
  client: WebClient,
  logger: { warn(...args: unknown[]): void },
  target: { userId: string; channelId: string | null | undefined },
  text: string,
): Promise<void> {
  try {
    if (target.channelId) {
      await client.chat.postEphemeral({ channel: target.channelId, user: target.userId, text });
    } else {
      await client.chat.postMessage({ channel: target.userId, text });
    }
  } catch (err) {
    logger.warn({ err, userId: target.userId }, 'could not deliver a private reply');
  }
}

/**
 * A use case's refusal, told in Slack mrkdwn to `viewerUserId`. Domain messages are plain text (they may quote a
 * partner's or an account's name), so they are escaped; the person an error names by id (who claimed first, who
 * decided a reward) becomes a mention here, at the edge.
 */
export function userMessage(err: unknown, viewerUserId?: string): string | null {
  if (!(err instanceof DomainError)) return null;
  const { data } = err;
  if (err.code === 'already_claimed' && typeof data.ownerUserId === 'string') {
    return data.ownerUserId === viewerUserId
      ? 'You already claimed this lead.'
      : `${mention(data.ownerUserId)} already claimed this lead.`;
  }
  if (err.code === 'stale' && typeof data.decidedByUserId === 'string' && typeof data.status === 'string') {
    const who = data.decidedByUserId === viewerUserId ? 'you' : mention(data.decidedByUserId);
    return `This reward was already ${escapeMrkdwn(data.status)} by ${who}; nothing changed.`;
  }
  return escapeMrkdwn(err.message);
}

/** A use case's refusal as plain text, for where Slack shows no mrkdwn (a modal's field errors). */
export function plainUserMessage(err: unknown): string | null {
  return err instanceof DomainError ? err.message : null;
}

export const GENERIC_ERROR =
  'Something went wrong on our side and nothing was changed. Please try again in a moment.';
