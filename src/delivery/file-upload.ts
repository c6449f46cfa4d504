import { ErrorCode, type WebClient } from '@slack/web-api';
import type { FileUploadPayload } from '../db/stores/outbox-store.ts';

// Uploading a file (a chart PNG) the way Slack's files.uploadV2 does it, as three steps
// (https://docs.slack.dev/reference/methods/files.getUploadURLExternal and …/files.completeUploadExternal):
//   1. files.getUploadURLExternal { filename, length, alt_txt } → { upload_url, file_id }
//   2. POST the bytes to upload_url (raw bytes; Slack answers HTTP 200 when it has them)
//   3. files.completeUploadExternal { files: [{ id, title }], channel_id, initial_comment?, thread_ts? }
// An outbox row of method `files.uploadV2` (FILE_UPLOAD_METHOD, queued by the insight charts) carries the PNG as
// base64 with the file's name, title and alt text (FileUploadPayload: both are the outbox protocol's, in
// outbox-store.ts); the outbox sender hands such rows here instead of calling one Web API method. Slack discards
// an upload that is never completed, and completes an upload only once, so a retry starts again at step 1: an
// answer lost after step 3 can show a chart twice (never lose one), as the README's reliability notes say.

/** Classified by the outbox sender like the Web API's own HTTP errors (a 4xx fails, a 5xx is retried). */
export class UploadHttpError extends Error {
  readonly code = ErrorCode.HTTPError;
  constructor(readonly statusCode: number) {
    super(`file upload answered HTTP ${statusCode}`);
    this.name = 'UploadHttpError';
  }
}

/** Runs the three steps; resolves with what the outbox keeps (the file id and channel). */
export async function uploadFile(
  client: WebClient,
  payload: Record<string, unknown>,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  const p = payload as unknown as FileUploadPayload;
  const bytes = Buffer.from(p.content_base64, 'base64');
  const got = (await client.apiCall('files.getUploadURLExternal', {
    filename: p.filename,
    length: bytes.length,
    alt_txt: p.alt_txt,
  })) as { upload_url?: string; file_id?: string };
  if (!got.upload_url || !got.file_id) throw new Error('files.getUploadURLExternal returned no upload_url');
  const res = await fetch(got.upload_url, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new UploadHttpError(res.status);
  await client.apiCall('files.completeUploadExternal', {
    files: [{ id: got.file_id, title: p.title }],
    channel_id: p.channel,
    ...(p.initial_comment ? { initial_comment: p.initial_comment } : {}),
    ...(p.thread_ts ? { thread_ts: p.thread_ts } : {}),
  });
  return { fileId: got.file_id, channel: p.channel };
}
