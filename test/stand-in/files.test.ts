import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uploadFile } from '../../src/delivery/file-upload.ts';
import { type SlackStandIn, startSlackStandIn } from '../../src/dev/slack-stand-in.ts';

// The stand-in's file upload, as Slack documents it (files.getUploadURLExternal, a POST of the bytes to the
// returned URL, files.completeUploadExternal), driven through the real @slack/web-api client.

let standIn: SlackStandIn;
let client: WebClient;
beforeEach(async () => {
  standIn = await startSlackStandIn({
    channels: [{ id: 'C0LEADERS', name: 'leaders' }],
    users: [{ id: 'U0LEAD' }],
    missingChannels: ['C0GONE'],
  });
  client = new WebClient('xoxb-test', { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
});
afterEach(() => standIn.close());

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('file uploads in the stand-in', () => {
  it('shares the uploaded bytes in the channel with the title and alt text', async () => {
    const res = await uploadFile(client, {
      channel: 'C0LEADERS',
      filename: 'funnel.png',
      title: 'EQL funnel',
      alt_txt: 'Funnel: EQLs 10',
      content_base64: png.toString('base64'),
    });
    const [file] = standIn.files();
    expect(res).toEqual({ fileId: file!.id, channel: 'C0LEADERS' });
    expect(file).toMatchObject({
      filename: 'funnel.png',
      title: 'EQL funnel',
      altText: 'Funnel: EQLs 10',
      channel: 'C0LEADERS',
      completed: true,
      length: png.length,
    });
    expect(file!.bytes).toEqual(png);
    expect(standIn.calls().map((c) => c.method)).toEqual([
      'files.getUploadURLExternal',
      'files.completeUploadExternal',
    ]);
  });

  it('enforces the documented limits', async () => {
    await expect(
      client.apiCall('files.getUploadURLExternal', { filename: 'a.png', length: 0 }),
    ).rejects.toMatchObject({
      data: { error: 'missing_argument' },
    });
    await expect(
      client.apiCall('files.getUploadURLExternal', {
        filename: 'a.png',
        length: 10,
        alt_txt: 'x'.repeat(1001),
      }),
    ).rejects.toMatchObject({ data: { error: 'alt_txt_too_large' } });
    // an upload is completed once; before its bytes arrive it cannot be
    const got = (await client.apiCall('files.getUploadURLExternal', {
      filename: 'a.png',
      length: 3,
    })) as unknown as {
      upload_url: string;
      file_id: string;
    };
    await expect(
      client.apiCall('files.completeUploadExternal', { files: [{ id: got.file_id }] }),
    ).rejects.toMatchObject({
      data: { error: 'file_not_found' },
    });
    expect((await fetch(got.upload_url, { method: 'POST', body: Buffer.from('abc') })).status).toBe(200);
    await client.apiCall('files.completeUploadExternal', { files: [{ id: got.file_id }] });
    await expect(
      client.apiCall('files.completeUploadExternal', { files: [{ id: got.file_id }] }),
    ).rejects.toMatchObject({
      data: { error: 'file_not_found' },
    });
    expect((await fetch(`${standIn.url}/upload/F0NOPE`, { method: 'POST', body: 'x' })).status).toBe(404);
    // not shared anywhere without a channel: private
    expect(standIn.files().at(-1)!.completed).toBe(true);
    expect(standIn.files().at(-1)!.channel).toBeUndefined();
  });

  it('a missing channel fails the completion, and the file is not shared', async () => {
    await expect(
      uploadFile(client, {
        channel: 'C0GONE',
        filename: 'a.png',
        title: 't',
        alt_txt: 'a',
        content_base64: png.toString('base64'),
      }),
    ).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    expect(standIn.files()[0]!.completed).toBe(false);
  });
});
