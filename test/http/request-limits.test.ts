import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest, stateValue, viewSubmission } from '../../src/dev/slack-client.ts';
import { REQUEST_LIMITS, screenSlackRequest } from '../../src/listeners/receiver-guard.ts';
import { submissionModal } from '../../src/slack/blocks/modals.ts';
import { CALLBACKS } from '../../src/slack/ids.ts';
import { type Harness, SIGNING_SECRET, startHarness } from '../helpers/harness.ts';
import { postBody } from '../reliability/support/raw-http.ts';

// The gate in front of Bolt (issue 10, finding 3): what the headers alone decide, the body cap measured against
// the largest request Slack can send Foothold, and answers the client can actually read.

const FORM = 'application/x-www-form-urlencoded';
const NOW = 1_800_000_000_000;
const sec = (ms: number) => String(Math.floor(ms / 1000));
const SIG = `v0=${'0a'.repeat(32)}`;

describe('screenSlackRequest', () => {
  const cases: Array<[string, Record<string, string>, { ok: boolean; status?: number }]> = [
    ['well-formed, now', { 'x-slack-signature': SIG, 'x-slack-request-timestamp': sec(NOW) }, { ok: true }],
    [
      '4m59s old',
      { 'x-slack-signature': SIG, 'x-slack-request-timestamp': sec(NOW - 299_000) },
      { ok: true },
    ],
    [
      '5m01s old',
      { 'x-slack-signature': SIG, 'x-slack-request-timestamp': sec(NOW - 301_000) },
      { ok: false, status: 401 },
    ],
    [
      '5m01s in the future',
      { 'x-slack-signature': SIG, 'x-slack-request-timestamp': sec(NOW + 301_000) },
      { ok: false, status: 401 },
    ],
    ['no headers', { 'content-length': '5000' }, { ok: false, status: 401 }],
    ['no signature', { 'x-slack-request-timestamp': sec(NOW) }, { ok: false, status: 401 }],
    ['no timestamp', { 'x-slack-signature': SIG }, { ok: false, status: 401 }],
    [
      'signature not v0 hex',
      { 'x-slack-signature': 'v0=xyz', 'x-slack-request-timestamp': sec(NOW) },
      { ok: false, status: 401 },
    ],
    [
      'signature v1',
      { 'x-slack-signature': `v1=${'0a'.repeat(32)}`, 'x-slack-request-timestamp': sec(NOW) },
      { ok: false, status: 401 },
    ],
    [
      'timestamp not digits',
      { 'x-slack-signature': SIG, 'x-slack-request-timestamp': '1.8e9' },
      { ok: false, status: 401 },
    ],
    [
      'declared over the cap',
      {
        'x-slack-signature': SIG,
        'x-slack-request-timestamp': sec(NOW),
        'content-length': String(REQUEST_LIMITS.bodyBytes + 1),
      },
      { ok: false, status: 413 },
    ],
    [
      'unsigned, declared over the cap: 401 first',
      { 'content-length': String(REQUEST_LIMITS.bodyBytes + 1) },
      { ok: false, status: 401 },
    ],
    ['unsigned tiny form (ssl_check)', { 'content-type': FORM, 'content-length': '11' }, { ok: true }],
    [
      'unsigned tiny JSON',
      { 'content-type': 'application/json', 'content-length': '11' },
      { ok: false, status: 401 },
    ],
  ];
  it.each(cases)('%s', (_name, headers, expected) => {
    const got = screenSlackRequest(headers, NOW);
    expect(got.ok).toBe(expected.ok);
    if (!got.ok) expect(got.status).toBe(expected.status);
  });
});

/** Every plain-text input of a view, with its max_length. */
function inputs(blocks: unknown[]): Array<{ blockId: string; actionId: string; max: number }> {
  const out: Array<{ blockId: string; actionId: string; max: number }> = [];
  for (const b of blocks as Array<{ type: string; block_id?: string; element?: Record<string, unknown> }>) {
    if (b.type === 'input' && b.element?.type === 'plain_text_input') {
      out.push({
        blockId: String(b.block_id),
        actionId: String(b.element.action_id),
        max: Number(b.element.max_length ?? 3000),
      });
    }
  }
  return out;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('the body cap', () => {
  it('holds the largest submission Slack can send Foothold, with the margin the cap’s comment claims', async () => {
    const partners = Array.from({ length: 100 }, (_, i) => ({ slug: `p${i}`, name: `Partner ${i}` }));
    const view = submissionModal({
      variant: 'rep',
      partners,
      prefill: { website: 'x'.repeat(200), accountName: 'y'.repeat(200), notes: 'z'.repeat(2000) },
      sourceMessageUrl: `https://vendor.slack.com/archives/C1/p${'1'.repeat(16)}`,
      privateMetadata: 'm'.repeat(3000),
    });
    const fields = inputs(view.blocks as unknown[]);
    const typed = fields.reduce((n, f) => n + f.max, 0);
    // The arithmetic in REQUEST_LIMITS' comment: a 250 kB view percent-encoded at worst ×3, every character
    // typed at worst 18 bytes (3 UTF-8 bytes, each `%XX`, JSON-escaped or not), 16 KiB of envelope.
    expect(typed).toBeLessThanOrEqual(8_000);
    expect(250_000 * 3 + typed * 18 + 16 * 1024).toBeLessThan(REQUEST_LIMITS.bodyBytes);

    // And for real: every input full of 3-byte characters, the view echoed back, signed and sent.
    const values: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const f of fields) values[f.blockId] = { [f.actionId]: stateValue.text('…'.repeat(f.max)) };
    const payload = viewSubmission({
      user: { id: 'U0REP1', team_id: 'T0VENDOR' },
      callbackId: CALLBACKS.submitLead,
      view: view as unknown as Record<string, unknown>,
      values,
      privateMetadata: 'm'.repeat(3000),
    });
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await h.slack.raw(body, { 'content-type': FORM });
    expect(res.status).toBe(200);
    process.stdout.write(
      `largest submission: ${body.length.toLocaleString('en-US')} bytes (cap ${REQUEST_LIMITS.bodyBytes.toLocaleString('en-US')})\n`,
    );
  });

  it('answers a correctly signed body over the cap with a 413 the client reads, and closes', async () => {
    const ts = Math.floor(Date.now() / 1000);
    // Chunked, so nothing is declared up front: the cap is enforced while reading.
    const res = await postBody(
      h.port,
      REQUEST_LIMITS.bodyBytes + 64 * 1024,
      { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signRequest(SIGNING_SECRET, ts, 'x') },
      { chunked: true },
    );
    expect(res).toMatchObject({ status: 413, error: null, connection: 'close' });
    const after = await h.slack.raw('ssl_check=1&token=x', { 'content-type': FORM }, { sign: false });
    expect(after.status).toBe(200);
  });

  it('refuses an unsigned `Expect: 100-continue` request before its body is sent', async () => {
    const outcome = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = request(
        {
          host: '127.0.0.1',
          port: h.port,
          path: '/slack/events',
          method: 'POST',
          headers: { 'content-type': FORM, 'content-length': '3000000', expect: '100-continue' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
        },
      );
      req.on('continue', () => {
        continued = true;
        req.end(Buffer.alloc(3_000_000));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(outcome).toEqual({ status: 401, continued: false });
  });

  it('keeps serving the routes that are not Slack’s: /healthz', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: h.port, path: '/healthz' }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(res).toBe(200);
  });
});
