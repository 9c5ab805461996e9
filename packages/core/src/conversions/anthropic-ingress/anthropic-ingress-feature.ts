import type { Feature } from '../../feature.js';
import { anthropicAnswers, anthropicRequest } from './anthropic-ingress.js';
import { anthropicMessagesOption } from './anthropic-ingress-options.js';

/**
 * `POST /v1/messages` served by any OpenAI-compatible upstream (docs/formats.md): errors in
 * Anthropic's shape from the outermost stage on (a refused key included), the body converted
 * to a chat completion before validation, and the answer, stream or not, converted back last.
 * Listed before the key redaction so its error conversion reads redacted bodies.
 */
export const anthropicIngressFeature: Feature = {
  name: 'anthropic-ingress',
  stages: ['redact', 'validate'],
  options: { anthropicMessages: anthropicMessagesOption },
  setup: ({ options }) =>
    options.anthropicMessages
      ? { policies: { redact: anthropicAnswers(), validate: anthropicRequest() } }
      : undefined,
};
