import { z } from 'zod';

/**
 * Top-level `anthropicMessages`: serve `POST /v1/messages` (the Anthropic Messages API, as the
 * Anthropic SDKs and Claude Code call it) from the OpenAI-compatible upstreams, converted both
 * ways. `false` forwards `/v1/messages` unchanged, for upstreams that speak it themselves.
 * Default true.
 */
export const anthropicMessagesOption = z.boolean().default(true);
