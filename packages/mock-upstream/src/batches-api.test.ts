import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type MockUpstream, startMockUpstream } from './index.js';

const line = (customId: string, body: object, url = '/v1/chat/completions') =>
  JSON.stringify({ custom_id: customId, method: 'POST', url, body });
const chat = (text: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] });

describe('Files and Batches', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream();
  });
  after(() => mock.close());

  const upload = async (jsonl: string) => {
    const form = new FormData();
    form.set('purpose', 'batch');
    form.set('file', new Blob([jsonl]), 'requests.jsonl');
    const response = await fetch(`${mock.url}/files`, { method: 'POST', body: form });
    assert.equal(response.status, 200);
    return (await response.json()) as { id: string; bytes: number; purpose: string };
  };
  const post = async (path: string, body: object) => {
    const response = await fetch(`${mock.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const get = async (path: string) => {
    const response = await fetch(`${mock.url}${path}`);
    return { status: response.status, text: await response.text() };
  };
  const resultLines = async (fileId: unknown) =>
    (await get(`/files/${String(fileId)}/content`)).text
      .trim()
      .split('\n')
      .map(
        (text) =>
          JSON.parse(text) as {
            custom_id: string;
            response: { status_code: number; body: { object?: string } } | null;
            error: { code: string } | null;
          },
      );

  it('uploads a JSONL file, runs a batch, and joins results on custom_id with per-line errors', async () => {
    const jsonl = [
      line('a', chat('first')),
      'this is not json',
      line('b', { model: 'gpt-4o-mini' }),
      line('c', chat('third')),
    ].join('\n');
    const file = await upload(jsonl);
    assert.equal(file.bytes, Buffer.byteLength(jsonl));
    assert.equal((await get(`/files/${file.id}/content`)).text, jsonl);
    const created = await post('/batches', {
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { mock_completion_ms: 100 },
    });
    assert.equal(created.status, 200);
    assert.equal(created.json.status, 'validating');
    const id = String(created.json.id);
    const early = JSON.parse((await get(`/batches/${id}`)).text);
    assert.equal(early.status, 'in_progress');
    await new Promise((resolve) => setTimeout(resolve, 120));
    const done = JSON.parse((await get(`/batches/${id}`)).text);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.request_counts, { total: 4, completed: 2, failed: 2 });
    const output = await resultLines(done.output_file_id);
    assert.deepEqual(
      output.map((entry) => entry.custom_id),
      ['a', 'c'],
    );
    assert.equal(output[0]?.response?.status_code, 200);
    assert.equal(output[0]?.response?.body.object, 'chat.completion');
    const errors = await resultLines(done.error_file_id);
    assert.deepEqual(
      errors.map((entry) => [entry.custom_id, entry.error?.code ?? entry.response?.status_code]),
      [
        [null, 'invalid_json_line'],
        ['b', 400],
      ],
    );
  });

  it('expires a batch part way: partial output, the rest in the error file as batch_expired', async () => {
    const file = await upload([line('1', chat('a')), line('2', chat('b')), line('3', chat('c'))].join('\n'));
    const created = await post('/batches', {
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { mock_expire_after_lines: 1 },
    });
    const done = JSON.parse((await get(`/batches/${String(created.json.id)}`)).text);
    assert.equal(done.status, 'expired');
    assert.deepEqual(
      (await resultLines(done.output_file_id)).map((entry) => entry.custom_id),
      ['1'],
    );
    assert.deepEqual(
      (await resultLines(done.error_file_id)).map((entry) => [entry.custom_id, entry.error?.code]),
      [
        ['2', 'batch_expired'],
        ['3', 'batch_expired'],
      ],
    );
  });

  it('refuses what OpenAI refuses: unknown files, other windows, other endpoints, unknown ids', async () => {
    assert.equal(
      (
        await post('/batches', {
          input_file_id: 'file-nope',
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
        })
      ).status,
      400,
    );
    const file = await upload(line('x', chat('x')));
    assert.equal(
      (
        await post('/batches', {
          input_file_id: file.id,
          endpoint: '/v1/chat/completions',
          completion_window: '1h',
        })
      ).status,
      400,
    );
    assert.equal(
      (await post('/batches', { input_file_id: file.id, endpoint: '/v1/models', completion_window: '24h' }))
        .status,
      400,
    );
    assert.equal((await get('/batches/batch_unknown')).status, 404);
    assert.equal((await get('/files/file-unknown/content')).status, 404);
    const notMultipart = await post('/files', { purpose: 'batch' });
    assert.equal(notMultipart.status, 400);
  });
});
