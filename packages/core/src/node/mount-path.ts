/**
 * The request URL as the gateway sees it inside a mount: `/llm/v1/models?x=1` under `/llm` is
 * `/v1/models?x=1`. Undefined when the URL is outside the prefix, look-alikes (`/llmx/...`)
 * included. An empty prefix means the gateway sits at the root.
 */
export function urlInsideMount(url: string, prefix: string): string | undefined {
  if (prefix === '') return url;
  // A prefix is a whole path segment: the next character must start the next one.
  if (!url.startsWith(prefix) || url.charCodeAt(prefix.length) !== 47) return undefined;
  return url.slice(prefix.length);
}

/** The path of a request URL, without its query. */
export function pathOf(url: string): string {
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? url : url.slice(0, queryAt);
}

/** Throws unless `prefix` is empty or a path that starts with `/` and does not end with one. */
export function checkPrefix(prefix: string, caller: string): void {
  if (prefix !== '' && !/^\/[^?#]*[^/]$/.test(prefix)) {
    throw new TypeError(
      `${caller}: prefix must start with / and not end with / (got ${JSON.stringify(prefix)})`,
    );
  }
}
