import { contentChunks } from './content-chunks.js';
import { unixSeconds } from './endpoint.js';
import type { Fault } from './fault.js';
import type { MockSocket } from './mock-socket.js';
import {
  audioBytesPerToken,
  base64Bytes,
  type ConversationSize,
  itemSize,
  realtimeUsage,
} from './realtime-usage.js';
import type { RequestSettings } from './request-settings.js';

/**
 * What a Realtime session needs from the connection it runs on.
 *
 * @example
 * const setup: RealtimeSetup = { id: 1, model: 'gpt-realtime', settings, fault: undefined, claimFault };
 */
export interface RealtimeSetup {
  /** The socket's arrival number, used in ids. */
  id: number;
  model: string;
  settings: RequestSettings;
  /** The fault claimed at upgrade; its per-response items apply to every response. */
  fault: Fault | undefined;
  /** Claims a fault spec given in `response.metadata["x-mock-fault"]` (throws on a bad spec). */
  claimFault(spec: string): Fault | undefined;
}

interface ActiveResponse {
  id: string;
  cancelled: boolean;
}

// Each mock audio delta is this many bytes of PCM16 silence: two mock audio tokens.
const audioDelta = Buffer.alloc(2 * audioBytesPerToken).toString('base64');

/**
 * The Realtime API (GA) as the mock speaks it on one socket: `session.created` on open;
 * `session.update` (which needs `session.type`) answered by `session.updated`;
 * `conversation.item.create` by `conversation.item.added` and `.done`;
 * `input_audio_buffer.append`/`.commit` building an audio item (and a transcription with its
 * usage when `session.audio.input.transcription` is set); `response.create` by the GA event
 * sequence ending in `response.done` with `response.usage`; `response.cancel`. One response is
 * in flight at a time; anything else is answered with an `error` event, as OpenAI does.
 *
 * @example
 * const session = new RealtimeSession(socket, setup);
 * ws.on('message', (data, isBinary) => session.receive(data.toString(), isBinary));
 */
export class RealtimeSession {
  readonly #socket: MockSocket;
  readonly #setup: RealtimeSetup;
  readonly #session: Record<string, unknown>;
  readonly #items: Record<string, unknown>[] = [];
  #events = 0;
  #itemCount = 0;
  #responseCount = 0;
  #audioBufferBytes = 0;
  #audioBufferParts: string[] = [];
  #previousInput = { text: 0, audio: 0 };
  #active: ActiveResponse | undefined;

  constructor(socket: MockSocket, setup: RealtimeSetup) {
    this.#socket = socket;
    this.#setup = setup;
    this.#session = {
      type: 'realtime',
      object: 'realtime.session',
      id: `sess_mock_${setup.id}`,
      model: setup.model,
      output_modalities: ['audio'],
      instructions: '',
      audio: {
        input: { format: { type: 'audio/pcm', rate: 24_000 }, transcription: null, turn_detection: null },
        output: { format: { type: 'audio/pcm', rate: 24_000 }, voice: 'alloy', speed: 1 },
      },
      tools: [],
      tool_choice: 'auto',
      max_output_tokens: 'inf',
      tracing: null,
      prompt: null,
      expires_at: unixSeconds() + 3_600,
    };
  }

  /** Sends `session.created`. */
  open(): void {
    this.#emit({ type: 'session.created', session: this.#session });
  }

  /** Handles one client frame. */
  receive(text: string, isBinary: boolean): void {
    if (isBinary) {
      this.#error(
        'invalid_request_error',
        'Binary frames are not supported; send JSON text.',
        'invalid_value',
      );
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      this.#error('invalid_request_error', 'The event could not be parsed as JSON.', 'invalid_json');
      return;
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      this.#error('invalid_request_error', 'An event must be a JSON object.', 'invalid_value');
      return;
    }
    const frame = event as Record<string, unknown>;
    const clientEventId = typeof frame.event_id === 'string' ? frame.event_id : null;
    switch (frame.type) {
      case 'session.update':
        this.#sessionUpdate(frame, clientEventId);
        return;
      case 'conversation.item.create':
        this.#itemCreate(frame, clientEventId);
        return;
      case 'input_audio_buffer.append':
        this.#audioAppend(frame, clientEventId);
        return;
      case 'input_audio_buffer.commit':
        this.#audioCommit(clientEventId);
        return;
      case 'input_audio_buffer.clear':
        this.#audioBufferBytes = 0;
        this.#audioBufferParts = [];
        this.#emit({ type: 'input_audio_buffer.cleared' });
        return;
      case 'response.create':
        this.#responseCreate(frame, clientEventId);
        return;
      case 'response.cancel':
        this.#responseCancel(clientEventId);
        return;
      default:
        this.#error(
          'invalid_request_error',
          `Invalid value: '${String(frame.type).slice(0, 100)}'. Supported values are session.update, conversation.item.create, input_audio_buffer.append, input_audio_buffer.commit, input_audio_buffer.clear, response.create and response.cancel.`,
          'invalid_value',
          'type',
          clientEventId,
        );
    }
  }

  #sessionUpdate(frame: Record<string, unknown>, clientEventId: string | null): void {
    const session = frame.session;
    if (typeof session !== 'object' || session === null || Array.isArray(session)) {
      this.#missing('session', clientEventId);
      return;
    }
    const update = session as Record<string, unknown>;
    if (update.type !== 'realtime' && update.type !== 'transcription') {
      this.#missing('session.type', clientEventId);
      return;
    }
    const modalities = update.output_modalities;
    if (modalities !== undefined && !validModalities(modalities)) {
      this.#error(
        'invalid_request_error',
        "Invalid 'session.output_modalities': expected ['text'] or ['audio'].",
        'invalid_value',
        'session.output_modalities',
        clientEventId,
      );
      return;
    }
    for (const [key, value] of Object.entries(update)) {
      if (key === 'audio' && typeof value === 'object' && value !== null) {
        this.#session.audio = mergeAudio(this.#session.audio as AudioConfig, value as AudioConfig);
      } else if (key !== 'id' && key !== 'object') this.#session[key] = value;
    }
    this.#emit({ type: 'session.updated', session: this.#session });
  }

  #itemCreate(frame: Record<string, unknown>, clientEventId: string | null): void {
    const item = frame.item;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      this.#missing('item', clientEventId);
      return;
    }
    const added = { ...(item as Record<string, unknown>) };
    added.id ??= `item_mock_${this.#setup.id}_${++this.#itemCount}`;
    added.object = 'realtime.item';
    added.status ??= 'completed';
    this.#addItem(added);
  }

  #addItem(item: Record<string, unknown>): void {
    const previous = this.#items.at(-1)?.id ?? null;
    this.#items.push(item);
    this.#emit({ type: 'conversation.item.added', previous_item_id: previous, item });
    this.#emit({ type: 'conversation.item.done', previous_item_id: previous, item });
  }

  #audioAppend(frame: Record<string, unknown>, clientEventId: string | null): void {
    if (typeof frame.audio !== 'string') {
      this.#missing('audio', clientEventId);
      return;
    }
    this.#audioBufferParts.push(frame.audio);
    this.#audioBufferBytes += base64Bytes(frame.audio);
  }

  #audioCommit(clientEventId: string | null): void {
    if (this.#audioBufferBytes === 0) {
      this.#error(
        'invalid_request_error',
        'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio.',
        'input_audio_buffer_commit_empty',
        null,
        clientEventId,
      );
      return;
    }
    const itemId = `item_mock_${this.#setup.id}_${++this.#itemCount}`;
    const previous = this.#items.at(-1)?.id ?? null;
    this.#emit({ type: 'input_audio_buffer.committed', previous_item_id: previous, item_id: itemId });
    const audio = this.#audioBufferParts.join('');
    const bytes = this.#audioBufferBytes;
    this.#audioBufferParts = [];
    this.#audioBufferBytes = 0;
    this.#addItem({
      id: itemId,
      object: 'realtime.item',
      type: 'message',
      status: 'completed',
      role: 'user',
      content: [{ type: 'input_audio', audio, transcript: null }],
    });
    const audioConfig = this.#session.audio as AudioConfig;
    if (audioConfig.input?.transcription) {
      // Transcription is billed on its own: audio in, the transcript's text tokens out.
      const audioTokens = Math.ceil(bytes / audioBytesPerToken);
      const outputTokens = contentChunks(this.#setup.settings.content, this.#setup.settings.chunks).length;
      this.#emit({
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: itemId,
        content_index: 0,
        transcript: this.#setup.settings.content,
        usage: {
          type: 'tokens',
          total_tokens: audioTokens + outputTokens,
          input_tokens: audioTokens,
          input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
          output_tokens: outputTokens,
        },
      });
    }
  }

  #responseCreate(frame: Record<string, unknown>, clientEventId: string | null): void {
    if (this.#active !== undefined) {
      this.#error(
        'invalid_request_error',
        `Conversation already has an active response in progress: ${this.#active.id}. Wait until the response is finished before creating a new one.`,
        'conversation_already_has_active_response',
        null,
        clientEventId,
      );
      return;
    }
    const options = (
      typeof frame.response === 'object' && frame.response !== null ? frame.response : {}
    ) as Record<string, unknown>;
    const modalities = options.output_modalities ?? this.#session.output_modalities;
    if (!validModalities(modalities)) {
      this.#error(
        'invalid_request_error',
        "Invalid 'response.output_modalities': expected ['text'] or ['audio'].",
        'invalid_value',
        'response.output_modalities',
        clientEventId,
      );
      return;
    }
    let fault = this.#setup.fault;
    const metadata = options.metadata as Record<string, unknown> | undefined;
    const spec = metadata?.['x-mock-fault'];
    if (typeof spec === 'string') {
      try {
        fault = this.#setup.claimFault(spec);
      } catch (error) {
        this.#error(
          'invalid_request_error',
          (error as Error).message,
          'invalid_mock_fault',
          null,
          clientEventId,
        );
        return;
      }
    }
    const active: ActiveResponse = {
      id: `resp_mock_${this.#setup.id}_${++this.#responseCount}`,
      cancelled: false,
    };
    this.#active = active;
    const events = this.#responseEvents(active.id, modalities[0] as 'text' | 'audio', options, fault);
    this.#socket
      .sendEvents(events.frames, this.#setup.settings, fault, () => active.cancelled)
      .then(
        (outcome) => {
          if (outcome === 'cut') return; // The response stays in flight: the fault stalled or closed it.
          if (active.cancelled && !this.#socket.closed) {
            this.#socket.send(this.#frame({ type: 'response.done', response: events.cancelled() }));
          } else if (outcome === 'sent') this.#commit(events);
          this.#active = undefined;
        },
        () => this.#socket.raw.destroy(),
      );
  }

  #responseCancel(clientEventId: string | null): void {
    if (this.#active === undefined) {
      this.#error(
        'invalid_request_error',
        'Cancellation failed: no active response found.',
        'response_cancel_not_active',
        null,
        clientEventId,
      );
      return;
    }
    this.#active.cancelled = true;
  }

  #commit(events: PlannedRealtimeResponse): void {
    this.#items.push(events.item);
    this.#previousInput = events.input;
  }

  #responseEvents(
    responseId: string,
    modality: 'text' | 'audio',
    options: Record<string, unknown>,
    fault: Fault | undefined,
  ): PlannedRealtimeResponse {
    const { settings } = this.#setup;
    const pieces = contentChunks(settings.content, settings.chunks);
    const itemId = `item_mock_${this.#setup.id}_${++this.#itemCount}`;
    const instructions =
      typeof options.instructions === 'string' ? options.instructions : this.#session.instructions;
    const size: ConversationSize = {
      text: typeof instructions === 'string' ? instructions.length : 0,
      audioBytes: 0,
    };
    // `conversation: "none"` is an out-of-band response: it sees only its own `input` items.
    const inBand = options.conversation !== 'none';
    const context = inBand ? this.#items : Array.isArray(options.input) ? options.input : [];
    for (const item of context) {
      if (typeof item !== 'object' || item === null) continue;
      const itemSizes = itemSize(item as Record<string, unknown>);
      size.text += itemSizes.text;
      size.audioBytes += itemSizes.audioBytes;
    }
    const output =
      modality === 'text'
        ? { text: pieces.length, audio: 0 }
        : { text: pieces.length, audio: 2 * pieces.length };
    const usage = realtimeUsage(size, this.#previousInput, output);
    const part = modality === 'text' ? { type: 'text', text: '' } : { type: 'audio', transcript: '' };
    const donePart =
      modality === 'text'
        ? { type: 'text', text: settings.content }
        : { type: 'audio', transcript: settings.content };
    const itemContent =
      modality === 'text'
        ? { type: 'output_text', text: settings.content }
        : { type: 'output_audio', transcript: settings.content };
    const base = {
      object: 'realtime.response',
      id: responseId,
      conversation_id: inBand ? `conv_mock_${this.#setup.id}` : null,
      output_modalities: [modality],
      max_output_tokens: options.max_output_tokens ?? this.#session.max_output_tokens,
      audio: { output: { format: { type: 'audio/pcm', rate: 24_000 }, voice: 'alloy' } },
      metadata: options.metadata ?? null,
    };
    const inProgressItem = {
      id: itemId,
      object: 'realtime.item',
      type: 'message',
      status: 'in_progress',
      role: 'assistant',
      content: [],
    };
    const item = { ...inProgressItem, status: 'completed', content: [itemContent] };
    const at = { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 };
    const frames: string[] = [];
    const push = (event: Record<string, unknown>) => frames.push(this.#frame(event));
    push({
      type: 'response.created',
      response: { ...base, status: 'in_progress', status_details: null, output: [], usage: null },
    });
    push({
      type: 'response.output_item.added',
      response_id: responseId,
      output_index: 0,
      item: inProgressItem,
    });
    if (inBand)
      push({
        type: 'conversation.item.added',
        previous_item_id: this.#items.at(-1)?.id ?? null,
        item: inProgressItem,
      });
    push({ type: 'response.content_part.added', ...at, part });
    let first = true;
    for (const piece of pieces) {
      if (modality === 'text') push({ type: 'response.output_text.delta', ...at, delta: piece });
      else {
        push({ type: 'response.output_audio.delta', ...at, delta: audioDelta });
        push({ type: 'response.output_audio_transcript.delta', ...at, delta: piece });
      }
      if (first && fault?.oversizeBytes !== undefined) frames.push(this.#oversized(at, fault.oversizeBytes));
      first = false;
    }
    if (modality === 'text') push({ type: 'response.output_text.done', ...at, text: settings.content });
    else {
      push({ type: 'response.output_audio.done', ...at });
      push({ type: 'response.output_audio_transcript.done', ...at, transcript: settings.content });
    }
    push({ type: 'response.content_part.done', ...at, part: donePart });
    push({ type: 'response.output_item.done', response_id: responseId, output_index: 0, item });
    if (inBand)
      push({ type: 'conversation.item.done', previous_item_id: this.#items.at(-1)?.id ?? null, item });
    push({
      type: 'response.done',
      response: { ...base, status: 'completed', status_details: null, output: [item], usage },
    });
    return {
      frames,
      item,
      input: { text: usage.input_token_details.text_tokens, audio: usage.input_token_details.audio_tokens },
      cancelled: () => ({
        ...base,
        status: 'cancelled',
        status_details: { type: 'cancelled', reason: 'client_cancelled' },
        output: [],
        usage: realtimeUsage(size, this.#previousInput, { text: 0, audio: 0 }),
      }),
    };
  }

  /** An audio delta frame padded to exactly `bytes` bytes (base64 text is ASCII). */
  #oversized(at: Record<string, unknown>, bytes: number): string {
    const empty = this.#frame({ type: 'response.output_audio.delta', ...at, delta: '' });
    const padding = Math.max(0, bytes - Buffer.byteLength(empty));
    return empty.replace('"delta":""', `"delta":"${'A'.repeat(padding)}"`);
  }

  #frame(event: Record<string, unknown>): string {
    return JSON.stringify({ event_id: `event_mock_${this.#setup.id}_${++this.#events}`, ...event });
  }

  #emit(event: Record<string, unknown>): void {
    this.#socket.send(this.#frame(event));
  }

  #missing(param: string, clientEventId: string | null): void {
    this.#error(
      'invalid_request_error',
      `Missing required parameter: '${param}'.`,
      'missing_required_parameter',
      param,
      clientEventId,
    );
  }

  #error(
    type: string,
    message: string,
    code: string,
    param: string | null = null,
    clientEventId: string | null = null,
  ): void {
    this.#emit({ type: 'error', error: { type, code, message, param, event_id: clientEventId } });
  }
}

interface PlannedRealtimeResponse {
  frames: string[];
  item: Record<string, unknown>;
  input: { text: number; audio: number };
  cancelled(): Record<string, unknown>;
}

interface AudioConfig {
  input?: Record<string, unknown> & { transcription?: unknown };
  output?: Record<string, unknown>;
}

function mergeAudio(current: AudioConfig, update: AudioConfig): AudioConfig {
  return {
    input: { ...current.input, ...(update.input ?? {}) },
    output: { ...current.output, ...(update.output ?? {}) },
  };
}

function validModalities(value: unknown): value is ['text'] | ['audio'] {
  return Array.isArray(value) && value.length === 1 && (value[0] === 'text' || value[0] === 'audio');
}
