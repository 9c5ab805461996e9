import type { Redis } from 'ioredis';
import { BrokenChainError, ConversationLimitError } from './conversation-errors.js';
import { checkId, checkOwner } from './conversation-limits.js';
import type { ConversationLimits, StoredResponse } from './conversation-types.js';
import { ownerKeys, responseKey } from './redis-conversation-keys.js';
import { indexAddScript } from './redis-conversation-scripts.js';

/**
 * Stored Responses API responses on Redis: one JSON string per response (its own hash tag,
 * `{resp:<id>}`) with a TTL, plus the owner's response index so erasing an owner finds them.
 * A chain walk is one GET per link: links are on different slots by design, since any
 * response may continue any other.
 *
 * @example
 * const responses = createRedisResponses(redis, 'ferry:', limits);
 * await responses.put({ id: 'resp_1', owner: 'tenant-a', previousResponseId: null, input, output });
 */
export function createRedisResponses(
  redis: Redis,
  prefix: string,
  limits: Pick<ConversationLimits, 'responseTtlMs' | 'maxChainDepth'>,
) {
  const read = async (id: string, owner: string): Promise<StoredResponse | undefined> => {
    const json = await redis.get(responseKey(prefix, id));
    if (json === null) return undefined;
    const response = JSON.parse(json) as StoredResponse;
    // Another owner's response reads exactly like a missing one.
    return response.owner === owner ? response : undefined;
  };

  const responses = {
    async put(response: Omit<StoredResponse, 'createdAt'>): Promise<StoredResponse> {
      checkId(response.id, 'response');
      checkOwner(response.owner);
      if (response.previousResponseId !== null) checkId(response.previousResponseId, 'response');
      const stored: StoredResponse = {
        id: response.id,
        owner: response.owner,
        previousResponseId: response.previousResponseId,
        input: response.input,
        output: response.output,
        ...(response.upstream === undefined ? {} : { upstream: response.upstream }),
        createdAt: Date.now(),
      };
      await redis.set(responseKey(prefix, response.id), JSON.stringify(stored), 'PX', limits.responseTtlMs);
      await indexAddScript.run(
        redis,
        [ownerKeys(prefix, response.owner).responses],
        [stored.createdAt, response.id, limits.responseTtlMs],
      );
      return JSON.parse(JSON.stringify(stored));
    },
    async get(id: string, owner: string): Promise<StoredResponse | undefined> {
      checkId(id, 'response');
      checkOwner(owner);
      return read(id, owner);
    },
    async delete(id: string, owner: string): Promise<boolean> {
      if ((await responses.get(id, owner)) === undefined) return false;
      await redis.del(responseKey(prefix, id));
      await redis.zrem(ownerKeys(prefix, owner).responses, id);
      return true;
    },
    async walkChain(id: string, owner: string): Promise<StoredResponse[] | undefined> {
      const head = await responses.get(id, owner);
      if (head === undefined) return undefined;
      const chain = [head];
      for (let link = head; link.previousResponseId !== null; ) {
        if (chain.length >= limits.maxChainDepth)
          throw new ConversationLimitError('chain', limits.maxChainDepth);
        const previous = await read(link.previousResponseId, owner);
        if (previous === undefined) throw new BrokenChainError(link.previousResponseId, chain.length);
        chain.push(previous);
        link = previous;
      }
      return chain.reverse();
    },
    /** Deletes every response the owner's index lists; returns how many existed. */
    async deleteOwner(owner: string): Promise<number> {
      const index = ownerKeys(prefix, owner).responses;
      let deleted = 0;
      for (const id of await redis.zrange(index, 0, -1)) {
        if ((await read(id, owner)) !== undefined && (await redis.del(responseKey(prefix, id))) > 0)
          deleted++;
      }
      await redis.del(index);
      return deleted;
    },
  };
  return responses;
}
