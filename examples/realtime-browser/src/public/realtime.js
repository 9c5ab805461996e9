// @ts-check
// Browsers cannot set headers on a WebSocket, so the client key travels as a subprotocol:
// `openai-insecure-api-key.<key>`. Ferry checks it like a Bearer key, removes it before anything
// is logged or forwarded, echoes `realtime`, and puts its own upstream key on the upstream leg.
// Use a client key of Ferry's here, never an upstream key.
const params = new URLSearchParams(location.search);
const key = params.get('key') ?? 'sk-browser-demo';
const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
const url = `${scheme}//${location.host}/v1/realtime?model=gpt-realtime`;

/** @param {string} id */
const element = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const status = element('status');
const answer = element('answer');
const usage = element('usage');

const socket = new WebSocket(url, ['realtime', `openai-insecure-api-key.${key}`]);
socket.addEventListener('open', () => {
  status.textContent = `open (${socket.protocol})`;
  socket.send(
    JSON.stringify({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Say hello' }] },
    }),
  );
  socket.send(JSON.stringify({ type: 'response.create', response: { output_modalities: ['text'] } }));
});
socket.addEventListener('message', (message) => {
  const event = JSON.parse(message.data);
  if (event.type === 'response.output_text.delta') answer.textContent += event.delta;
  if (event.type === 'response.done') {
    usage.textContent = JSON.stringify(event.response.usage);
    status.textContent = 'done';
    socket.close(1000, 'finished');
  }
  if (event.type === 'error') status.textContent = `error: ${event.error.code}`;
});
// A refused upgrade (a wrong key) never opens: the browser reports only that it failed.
socket.addEventListener('error', () => {
  if (status.textContent === 'connecting') status.textContent = 'refused';
});
