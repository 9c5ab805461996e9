import { connect } from 'node:net';

/**
 * Sends the head with `Expect: 100-continue`, sends the body only if the server answers
 * `100 Continue`, and collects everything until the server closes the connection.
 */
export function expectContinue(port: number, path: string, body: string, declaredLength = body.length) {
  return new Promise<{ invited: boolean; text: string }>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let invited = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!invited && text.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
        invited = true;
        socket.write(body);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ invited, text }));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${declaredLength}\r\n\r\n`,
    );
  });
}
