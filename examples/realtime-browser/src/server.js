// @ts-check
// `pnpm start`, then open http://127.0.0.1:8787/ (the mock upstream answers unless
// FERRY_UPSTREAM_URL and FERRY_UPSTREAM_API_KEY name a real one).
import { startServer } from './start-server.js';

const running = await startServer({
  port: Number(process.env.PORT ?? 8787),
  upstreamUrl: process.env.FERRY_UPSTREAM_URL,
  upstreamKey: process.env.FERRY_UPSTREAM_API_KEY,
});
console.log(`open ${running.origin}/`);
