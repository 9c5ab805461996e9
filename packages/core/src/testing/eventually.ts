import assert from 'node:assert/strict';

/**
 * Resolves once `check` passes, polling every 10 ms for up to 2 s. For effects that land just
 * after a response ended (a settled token reservation, a released slot) and announce nothing.
 */
export async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail('condition not reached');
}
