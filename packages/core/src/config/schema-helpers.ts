import { z } from 'zod';

/**
 * The schema pieces every feature's options share, defined once: units are in the field names
 * (`connectTimeoutMs`), so these stay plain numbers.
 */

/** A duration in whole milliseconds, 0 allowed (often "off"). */
export const milliseconds = z.number().int().nonnegative();
/** A count that must be at least 1. */
export const positiveInteger = z.number().int().positive();
/** A count that may be 0. */
export const nonNegativeInteger = z.number().int().nonnegative();
/** An amount of US dollars. */
export const usd = z.number().nonnegative();
/** An http(s) URL. */
export const httpUrl = z.url({ protocol: /^https?$/ });

/** A function option (callbacks): checked to be a function, typed as `T`. */
export const functionOf = <T>(label: string) =>
  z.custom<T>((value) => typeof value === 'function', { message: `${label} must be a function` });
