// The Chat Completions wire shapes the conversions read and write (OpenAI's field names).
// Only the fields Ferry converts are typed; anything else an upstream sends is carried as is
// where the conversion keeps the object, and named in docs/formats.md where it is lost.

/** `usage` of a chat completion. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number; [key: string]: unknown };
  completion_tokens_details?: { reasoning_tokens?: number; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** `choices[].logprobs`: token lists for the content and the refusal. */
export interface ChatLogprobs {
  content: unknown[] | null;
  refusal: unknown[] | null;
  [key: string]: unknown;
}

/** The assistant message of a non-stream answer. */
export interface ChatAnswerMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  /** DeepSeek, vLLM and others: the model's reasoning text. */
  reasoning_content?: string;
  /** OpenRouter and others: the same, under another name. */
  reasoning?: string;
  tool_calls?: ChatToolCall[];
  annotations?: unknown[];
  [key: string]: unknown;
}

export interface ChatChoice {
  index: number;
  message: ChatAnswerMessage;
  logprobs: ChatLogprobs | null;
  finish_reason: string | null;
}

/** A non-stream answer (`object: "chat.completion"`). */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatChoice[];
  usage?: ChatUsage;
  service_tier?: string | null;
  system_fingerprint?: string | null;
  [key: string]: unknown;
}

/** One `tool_calls` entry of a chunk's delta: `id`, `type` and `name` come only in the first. */
export interface ChatToolCallDelta {
  index: number;
  id?: string | null;
  type?: 'function' | null;
  function?: { name?: string | null; arguments?: string | null };
}

export interface ChatDelta {
  role?: 'assistant' | null;
  content?: string | null;
  refusal?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: ChatToolCallDelta[];
  annotations?: unknown[];
  [key: string]: unknown;
}

export interface ChatChunkChoice {
  index: number;
  delta: ChatDelta;
  logprobs?: ChatLogprobs | null;
  finish_reason: string | null;
}

/** One stream event (`object: "chat.completion.chunk"`). */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChatChunkChoice[];
  usage?: ChatUsage | null;
  service_tier?: string | null;
  system_fingerprint?: string | null;
  [key: string]: unknown;
}

/** A content part of a request message: `text`, `image_url`, `refusal` (assistant), or others. */
export interface ChatContentPart {
  type: string;
  text?: string;
  image_url?: { url: string; detail?: string };
  refusal?: string;
  [key: string]: unknown;
}

/** A request message (`messages[]`). */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ChatToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

/** A `POST /v1/chat/completions` body. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[] | null;
  temperature?: number;
  top_p?: number;
  user?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  n?: number;
  [key: string]: unknown;
}

/** The OpenAI error body: `{"error":{"message","type","param","code"}}`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
