import { ConversationNotFoundError } from './conversation-errors.js';
import type { ConversationStore } from './conversation-store.js';
import type { Turn } from './conversation-types.js';

/**
 * Every turn of a conversation, oldest first, read `pageSize` turns at a time: an export (a
 * user's data request) that never holds the whole history in memory. Throws
 * `ConversationNotFoundError` when the conversation is missing, or is deleted while exported.
 *
 * @example
 * for await (const turn of exportConversation(store, 'support-42', 'tenant-a')) write(turn);
 */
export async function* exportConversation(
  store: ConversationStore,
  id: string,
  owner: string,
  pageSize = 500,
): AsyncGenerator<Turn> {
  let afterSeq = 0;
  for (;;) {
    const page = await store.readTurns(id, owner, afterSeq, pageSize);
    if (page === undefined) throw new ConversationNotFoundError(id);
    yield* page;
    if (page.length < pageSize) return;
    afterSeq = page.at(-1)!.seq;
  }
}
