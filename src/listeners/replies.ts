import type { WebClient } from '@slack/web-api';
import { DomainError } from '../core/errors.ts';
import { FIELD_BLOCK } from '../slack/ids.ts';

/** Turns a use case's field errors into `response_action: errors` keyed by the modal's block ids. */
export function modalErrors(err: DomainError, fallbackBlock: string): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [field, message] of Object.entries(err.fields)) {
    const block = FIELD_BLOCK[field] ?? fallbackBlock;
    errors[block] ??= message;
  }
  if (Object.keys(errors).length === 0) errors[fallbackBlock] = err.message;
  return errors;
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

export function userMessage(err: unknown): string | null {
  return err instanceof DomainError ? err.message : null;
}

export const GENERIC_ERROR =
  'Something went wrong on our side and nothing was changed. Please try again in a moment.';
