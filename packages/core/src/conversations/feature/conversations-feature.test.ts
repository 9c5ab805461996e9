import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { createGateway } from '../../gateway.js';
import { type GatewayWithMock, startGatewayWithMock } from '../../testing/gateway-server.js';

const keyA = 'sk-conversations-a';
const keyB = 'sk-conversations-b';

const storeOptions = [
  { name: 'memory', conversations: { store: 'memory' as const } },
  {
    name: 'redis',
    conversations: { store: 'redis' as const },
    redis: {
      url: process.env.FERRY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      keyPrefix: `ferry-test-conv-${process.pid}-${Date.now()}:`,
    },
  },
  {
    name: 'postgres',
    conversations: {
      store: 'postgres' as const,
      postgresUrl: process.env.FERRY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
];

for (const { name, ...options } of storeOptions) {
  describe(`conversations over chat completions (${name} store)`, () => {
    let ferry: GatewayWithMock;
    let client: OpenAI;
    const conversation = `conv-${name}-${process.pid}-${Date.now()}`;
    before(async () => {
      ferry = await startGatewayWithMock({
        ...options,
        clients: [
          { id: 'a', tenant: 'tenant-a', keys: [keyA] },
          { id: 'b', tenant: 'tenant-b', keys: [keyB] },
        ],
      });
      await ferry.gateway.ready();
      client = new OpenAI({
        baseURL: ferry.url,
        apiKey: keyA,
        maxRetries: 0,
        defaultHeaders: { 'x-ferry-conversation': conversation },
      });
    });
    after(() => ferry.close());

    const sentMessages = () =>
      (ferry.mock.requests.at(-1)?.json as { messages: unknown[] } | undefined)?.messages;

    it('sends the stored history with each new message, streamed or not', async () => {
      const first = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'first question' }],
      });
      const firstAnswer = first.choices[0]?.message.content;
      assert.equal(typeof firstAnswer, 'string');
      assert.deepEqual(sentMessages(), [{ role: 'user', content: 'first question' }]);

      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'second question' }],
        stream: true,
      });
      let streamed = '';
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
      assert.deepEqual(sentMessages(), [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: firstAnswer },
        { role: 'user', content: 'second question' },
      ]);

      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'third question' },
        ],
      });
      assert.deepEqual(sentMessages(), [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: firstAnswer },
        { role: 'user', content: 'second question' },
        { role: 'assistant', content: streamed },
        { role: 'user', content: 'third question' },
      ]);
    });

    it("keeps another tenant's conversation with the same id apart", async () => {
      const other = new OpenAI({
        baseURL: ferry.url,
        apiKey: keyB,
        maxRetries: 0,
        defaultHeaders: { 'x-ferry-conversation': conversation },
      });
      await other.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello' }],
      });
      assert.deepEqual(sentMessages(), [{ role: 'user', content: 'hello' }]);
    });

    it('does not store a cut stream', async () => {
      const id = `${conversation}-cut`;
      const headers = { 'x-ferry-conversation': id };
      await assert.rejects(async () => {
        const stream = await client.chat.completions.create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'lost' }], stream: true },
          { headers: { ...headers, 'x-mock-fault': 'reset-after=1' } },
        );
        for await (const _ of stream);
      });
      await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] },
        { headers },
      );
      assert.deepEqual(sentMessages(), [{ role: 'user', content: 'again' }]);
    });

    it('answers a concurrent turn on one conversation with one 409', async () => {
      const id = `${conversation}-busy`;
      const turn = () =>
        client.chat.completions.create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'at once' }] },
          { headers: { 'x-ferry-conversation': id, 'x-mock-latency-ms': '200' } },
        );
      const results = await Promise.allSettled([turn(), turn()]);
      const rejected = results.filter((result) => result.status === 'rejected');
      assert.equal(rejected.length, 1);
      const error = (rejected[0] as PromiseRejectedResult).reason;
      assert.ok(error instanceof APIError);
      assert.equal(error.status, 409);
      assert.equal(error.code, 'conversation_conflict');
    });

    it("lists, exports and deletes only the caller's conversations", async () => {
      const call = (method: string, path: string, key = keyA) =>
        fetch(`${ferry.url}/ferry/conversations${path}`, {
          method,
          headers: { authorization: `Bearer ${key}` },
        });
      const listed = (await (await call('GET', '?limit=100')).json()) as { data: Array<{ id: string }> };
      assert.ok(listed.data.some((item) => item.id === conversation));
      const exported = await call('GET', `/${conversation}`);
      assert.equal(exported.status, 200);
      const body = (await exported.json()) as { messages: Array<{ message: { content: string } }> };
      assert.equal(body.messages[0]?.message.content, 'first question');
      assert.equal((await call('GET', `/${conversation}-cut-missing`)).status, 404);
      assert.equal((await call('GET', `/${conversation}`, 'sk-wrong')).status, 401);
      // Tenant B's conversation of the same id holds only its own turn.
      const other = (await (await call('GET', `/${conversation}`, keyB)).json()) as { messages: unknown[] };
      assert.equal(other.messages.length, 2);
      assert.equal((await call('DELETE', `/${conversation}`)).status, 200);
      const missing = await call('GET', `/${conversation}`);
      assert.equal(missing.status, 404);
      assert.equal(
        ((await missing.json()) as { error: { code: string } }).error.code,
        'conversation_not_found',
      );
      assert.equal((await call('DELETE', '')).status, 200);
      assert.equal((await call('GET', `/${conversation}`, keyB)).status, 200);
    });

    it('refuses a malformed conversation id with a 400', async () => {
      await assert.rejects(
        client.chat.completions.create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
          { headers: { 'x-ferry-conversation': 'bad id!' } },
        ),
        (error: unknown) =>
          error instanceof APIError && error.status === 400 && error.code === 'invalid_conversation_id',
      );
    });
  });
}

describe('conversations expire after ttlMs', () => {
  it('starts an expired conversation again empty', async () => {
    const ferry = await startGatewayWithMock({ conversations: { store: 'memory', ttlMs: 150 } });
    try {
      const client = new OpenAI({
        baseURL: ferry.url,
        apiKey: 'unused',
        maxRetries: 0,
        defaultHeaders: { 'x-ferry-conversation': 'short-lived' },
      });
      const ask = (content: string) =>
        client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
      const sent = () => (ferry.mock.requests.at(-1)?.json as { messages: unknown[] } | undefined)?.messages;
      await ask('one');
      await ask('two');
      assert.equal(sent()?.length, 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await ask('three');
      assert.deepEqual(sent(), [{ role: 'user', content: 'three' }]);
    } finally {
      await ferry.close();
    }
  });
});

describe('conversation limits are enforced before forwarding', () => {
  it('refuses a turn past maxTurns or maxBytes with a 400, and the upstream is not called', async () => {
    const ferry = await startGatewayWithMock({
      conversations: { store: 'memory', maxTurns: 4, maxBytes: 2_000 },
    });
    try {
      const client = new OpenAI({ baseURL: ferry.url, apiKey: 'unused', maxRetries: 0 });
      const ask = (conversation: string, content: string) =>
        client.chat.completions.create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] },
          { headers: { 'x-ferry-conversation': conversation } },
        );
      await ask('limited', 'one');
      await ask('limited', 'two');
      const sent = ferry.mock.requests.length;
      const refused = (error: unknown, limit: string) =>
        error instanceof APIError &&
        error.status === 400 &&
        error.code === 'conversation_limit_exceeded' &&
        error.param === 'x-ferry-conversation' &&
        error.message.includes(limit);
      await assert.rejects(ask('limited', 'three'), (error) => refused(error, '4 turns'));
      await assert.rejects(ask('large', 'x'.repeat(2_000)), (error) => refused(error, '2000 bytes'));
      assert.equal(ferry.mock.requests.length, sent, 'no upstream call for a refused turn');
      // The refused turns held no lease and stored nothing: the conversation is as it was.
      const exported = await fetch(`${ferry.url}/ferry/conversations/limited`);
      assert.equal(((await exported.json()) as { turns: number }).turns, 4);
    } finally {
      await ferry.close();
    }
  });
});

describe('conversations with the summarize strategy', () => {
  it('stores a summary of the older turns and reuses it across turns', async () => {
    const ferry = await startGatewayWithMock(
      {
        conversations: { store: 'memory' },
        context: {
          strategy: 'summarize',
          windowTokens: { 'gpt-4o-mini': 400 },
          summarize: { model: 'summary-model', maxSummaryTokens: 60 },
        },
      },
      { content: 'A short answer from the model, about a dozen tokens long.' },
    );
    try {
      const client = new OpenAI({
        baseURL: ferry.url,
        apiKey: 'unused',
        maxRetries: 0,
        defaultHeaders: { 'x-ferry-conversation': 'summarised' },
      });
      const actions: Array<string | null> = [];
      const summaryCalls = () =>
        ferry.mock.requests.filter(
          (request) => (request.json as { model?: string }).model === 'summary-model',
        );
      for (let turn = 0; turn < 30; turn++) {
        const { response } = await client.chat.completions
          .create({
            model: 'gpt-4o-mini',
            messages: [
              { role: 'user', content: `Question number ${turn}: tell me something about the sea.` },
            ],
          })
          .withResponse();
        actions.push(response.headers.get('x-ferry-summary'));
        const sent =
          (
            ferry.mock.requests.at(-1)?.json as
              | { messages: Array<{ role: string; content: string }> }
              | undefined
          )?.messages ?? [];
        assert.equal(sent.at(-1)?.content, `Question number ${turn}: tell me something about the sea.`);
        if (actions.at(-1) !== null) {
          assert.equal(sent[0]?.role, 'system');
          assert.match(sent[0]?.content ?? '', /^Summary of the earlier conversation:\nA short answer/);
        }
      }
      const created = actions.filter((action) => action === 'created').length;
      const reused = actions.filter((action) => action === 'reused').length;
      assert.equal(summaryCalls().length, created, 'one summary call per created summary');
      assert.ok(created >= 2, `summaries created: ${actions.join(',')}`);
      assert.ok(reused > created, `a summary serves several turns: ${actions.join(',')}`);
      // A later summary extends the stored one instead of summarising the whole history again.
      const later = summaryCalls().at(-1)?.json as { messages: Array<{ content: string }> };
      assert.match(later.messages[1]?.content ?? '', /^Summary so far:\nA short answer/);
      assert.doesNotMatch(later.messages[1]?.content ?? '', /Question number 0:/);
      // The first turns went without one; once there is one, every turn sends it.
      const first = actions.indexOf('created');
      assert.ok(first > 0);
      assert.ok(actions.slice(first).every((action) => action !== null));
    } finally {
      await ferry.close();
    }
  });
});

describe('conversations options', () => {
  it('names the field of a stateful upstream that does not exist, or a store without its connection', () => {
    const upstream = { url: 'http://127.0.0.1:9/v1', local: true };
    assert.throws(
      () => createGateway({ upstream, conversations: { statefulUpstreams: ['openai'] } }),
      /Invalid Ferry options — conversations\.statefulUpstreams\.0: no upstream is named "openai"/,
    );
    assert.throws(
      () => createGateway({ upstream, conversations: { store: 'redis' } }),
      /Invalid Ferry options — conversations\.store: 'redis' needs the redis option/,
    );
    assert.throws(
      () => createGateway({ upstream, conversations: { store: 'postgres' } }),
      /Invalid Ferry options — conversations\.postgresUrl: required with store 'postgres'/,
    );
  });
});

describe('a conversation named in the body', () => {
  it('reads ferry_conversation when no header is set, and never forwards it', async () => {
    const ferry = await startGatewayWithMock({ conversations: { store: 'memory' } }, { content: 'ok' });
    try {
      const client = new OpenAI({ baseURL: ferry.url, apiKey: 'unused', maxRetries: 0 });
      const ask = (content: string, conversation: unknown) =>
        client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content }],
          ferry_conversation: conversation,
        } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      await ask('one', 'from-body');
      await ask('two', 'from-body');
      const sent = ferry.mock.requests.at(-1)?.json as Record<string, unknown>;
      assert.equal('ferry_conversation' in sent, false);
      assert.deepEqual(sent.messages, [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'two' },
      ]);
      await assert.rejects(
        ask('three', 42),
        (error: unknown) =>
          error instanceof APIError && error.status === 400 && error.code === 'invalid_conversation_id',
      );
    } finally {
      await ferry.close();
    }
  });
});
