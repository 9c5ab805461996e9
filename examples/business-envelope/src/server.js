// @ts-check
// `pnpm --filter @ferry/example-business-envelope start`
import { startGateway } from './start-gateway.js';

const running = await startGateway({
  upstreamUrl: process.env.FERRY_UPSTREAM_URL,
  upstreamApiKey: process.env.FERRY_UPSTREAM_API_KEY,
  port: process.env.PORT === undefined ? undefined : Number(process.env.PORT),
});
console.log(`Ferry with the back-office envelope at ${running.url}`);
console.log(
  `Try: curl -s ${running.url}/chat/completions -H 'authorization: Bearer sk-erp-demo' ` +
    `-H 'content-type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"When does order 1042 ship?"}],"metadata":{"ticket":"T-7"}}'`,
);
const stop = () => running.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
