// @ts-check
// `pnpm --filter @ferry/example-local-fallback start`
import { startGateway } from './start-gateway.js';

const running = await startGateway({
  cloudUrl: process.env.FERRY_UPSTREAM_URL,
  cloudApiKey: process.env.FERRY_UPSTREAM_API_KEY,
  localUrl: process.env.FERRY_LOCAL_URL,
  localModel: process.env.FERRY_LOCAL_MODEL,
  port: process.env.PORT === undefined ? undefined : Number(process.env.PORT),
});
console.log(`Ferry with local fallback at ${running.url} (local model server: ${running.localUrl})`);
console.log(
  `Try: curl -si ${running.url}/chat/completions -H 'content-type: application/json' ` +
    `-d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'`,
);
const stop = () => running.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
