import { createRequire } from 'node:module';
import { invalidOption } from '../config/options-error.js';

export type OtelApi = typeof import('@opentelemetry/api');

const require = createRequire(import.meta.url);

/**
 * Loads `@opentelemetry/api`, the optional peer dependency, when `openTelemetry` is set: the
 * host app's own copy, so Ferry's spans land on the providers it registered.
 */
export function loadOtelApi(): OtelApi {
  try {
    return require('@opentelemetry/api') as OtelApi;
  } catch {
    throw invalidOption(
      'openTelemetry',
      'needs the @opentelemetry/api package (npm install @opentelemetry/api)',
    );
  }
}
