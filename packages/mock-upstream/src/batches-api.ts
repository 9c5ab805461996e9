import type { Endpoint } from './endpoint.js';
import { unixSeconds } from './endpoint.js';
import { invalidRequestBody } from './openai-errors.js';
import type { ResolvedOptions } from './options.js';
import { jsonResponse, type PlannedResponse } from './planned-response.js';

/** An uploaded file: `/v1/files`. */
interface StoredFile {
  id: string;
  bytes: Buffer;
  filename: string;
  purpose: string;
  createdAt: number;
}

/** A batch: `/v1/batches`, finished lazily when it is read after its completion time. */
interface MockBatch {
  id: string;
  endpoint: string;
  inputFileId: string;
  metadata: Record<string, unknown> | null;
  createdAt: number;
  /** `performance.now()` from which the batch is done. */
  doneAt: number;
  /** Lines processed before the batch expires (`metadata.mock_expire_after_lines`); all when undefined. */
  expireAfter: number | undefined;
  status: 'validating' | 'in_progress' | 'completed' | 'expired' | 'cancelled' | 'failed';
  outputFileId: string | null;
  errorFileId: string | null;
  counts: { total: number; completed: number; failed: number };
}

/** The Files and Batches state of one mock server. */
export interface BatchesState {
  files: Map<string, StoredFile>;
  batches: Map<string, MockBatch>;
  next: number;
}

export const createBatchesState = (): BatchesState => ({ files: new Map(), batches: new Map(), next: 0 });

const batchEndpoints = new Set([
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
  '/v1/responses',
]);

const notFound = (kind: string, id: string) =>
  jsonResponse(404, invalidRequestBody(`No such ${kind}: '${id.slice(0, 64)}'`, null, 'id'));

/**
 * The Files and Batches APIs the way OpenAI's Batch API uses them: `POST /v1/files`
 * (multipart, `purpose` and `file`), `GET /v1/files/{id}` and `/content`, `POST /v1/batches`,
 * `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`. A batch runs each JSONL line through
 * the mock's own endpoint when it is first read after `metadata.mock_completion_ms` (default
 * 0); a line that is not JSON, names another endpoint, or answers an error goes to the error
 * file; `metadata.mock_expire_after_lines: n` expires the batch after n lines, the rest in the
 * error file with code `batch_expired`, as OpenAI reports an expired batch.
 * Returns undefined for paths that are not these APIs.
 */
export async function filesAndBatches(
  state: BatchesState,
  method: string,
  pathname: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  endpoints: ReadonlyMap<string, Endpoint>,
  options: ResolvedOptions,
): Promise<PlannedResponse | undefined> {
  if (method === 'POST' && pathname === '/v1/files') return uploadFile(state, headers, body);
  const file = /^\/v1\/files\/([\w-]+)(\/content)?$/.exec(pathname);
  if (file !== null && method === 'GET') {
    const stored = state.files.get(file[1] as string);
    if (stored === undefined) return notFound('file', file[1] as string);
    if (file[2] !== undefined)
      return {
        status: 200,
        headers: ['content-type', 'application/octet-stream'],
        body: stored.bytes.toString('utf8'),
      };
    return jsonResponse(200, JSON.stringify(fileObject(stored)));
  }
  if (method === 'POST' && pathname === '/v1/batches') return createBatch(state, body);
  const batch = /^\/v1\/batches\/([\w-]+)(\/cancel)?$/.exec(pathname);
  if (batch === null) return undefined;
  const found = state.batches.get(batch[1] as string);
  if (found === undefined) return notFound('batch', batch[1] as string);
  if (batch[2] !== undefined && method === 'POST') {
    if (found.status === 'validating' || found.status === 'in_progress') found.status = 'cancelled';
    return jsonResponse(200, JSON.stringify(batchObject(found)));
  }
  if (method !== 'GET') return undefined;
  if ((found.status === 'validating' || found.status === 'in_progress') && performance.now() >= found.doneAt)
    finish(state, found, endpoints, options);
  else if (found.status === 'validating') found.status = 'in_progress';
  return jsonResponse(200, JSON.stringify(batchObject(found)));
}

async function uploadFile(
  state: BatchesState,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): Promise<PlannedResponse> {
  const type = headers['content-type'];
  if (typeof type !== 'string' || !type.startsWith('multipart/form-data'))
    return jsonResponse(400, invalidRequestBody('Files are uploaded as multipart/form-data.'));
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': type } }).formData();
  } catch {
    return jsonResponse(400, invalidRequestBody('The multipart body could not be read.'));
  }
  const purpose = form.get('purpose');
  const upload = form.get('file');
  if (typeof purpose !== 'string')
    return jsonResponse(400, invalidRequestBody("Missing 'purpose'.", null, 'purpose'));
  if (upload === null || typeof upload === 'string')
    return jsonResponse(400, invalidRequestBody("Missing 'file'.", null, 'file'));
  const stored: StoredFile = {
    id: `file-mock-${++state.next}`,
    bytes: Buffer.from(await upload.arrayBuffer()),
    filename: (upload as File).name ?? 'upload',
    purpose,
    createdAt: unixSeconds(),
  };
  state.files.set(stored.id, stored);
  return jsonResponse(200, JSON.stringify(fileObject(stored)));
}

function createBatch(state: BatchesState, body: Buffer): PlannedResponse {
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    return jsonResponse(400, invalidRequestBody('We could not parse the JSON body of your request.'));
  }
  const { input_file_id: inputFileId, endpoint, completion_window: window, metadata } = request;
  if (typeof inputFileId !== 'string' || !state.files.has(inputFileId))
    return jsonResponse(
      400,
      invalidRequestBody('input_file_id names no uploaded file.', null, 'input_file_id'),
    );
  if (typeof endpoint !== 'string' || !batchEndpoints.has(endpoint))
    return jsonResponse(400, invalidRequestBody(`Unsupported endpoint.`, null, 'endpoint'));
  if (window !== '24h')
    return jsonResponse(
      400,
      invalidRequestBody("completion_window must be '24h'.", null, 'completion_window'),
    );
  const meta =
    typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : null;
  const lines = linesOf(state.files.get(inputFileId) as StoredFile);
  const batch: MockBatch = {
    id: `batch_mock_${++state.next}`,
    endpoint,
    inputFileId,
    metadata: meta,
    createdAt: unixSeconds(),
    doneAt: performance.now() + Number(meta?.mock_completion_ms ?? 0),
    expireAfter: typeof meta?.mock_expire_after_lines === 'number' ? meta.mock_expire_after_lines : undefined,
    status: 'validating',
    outputFileId: null,
    errorFileId: null,
    counts: { total: lines.length, completed: 0, failed: 0 },
  };
  state.batches.set(batch.id, batch);
  return jsonResponse(200, JSON.stringify(batchObject(batch)));
}

const linesOf = (file: StoredFile) =>
  file.bytes
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');

/** Runs every line once and writes the output and error files. */
function finish(
  state: BatchesState,
  batch: MockBatch,
  endpoints: ReadonlyMap<string, Endpoint>,
  options: ResolvedOptions,
) {
  const output: string[] = [];
  const errors: string[] = [];
  const lines = linesOf(state.files.get(batch.inputFileId) as StoredFile);
  lines.forEach((line, position) => {
    const id = `batch_req_${batch.id}_${position}`;
    let request: { custom_id?: unknown; method?: unknown; url?: unknown; body?: unknown };
    try {
      request = JSON.parse(line);
    } catch {
      errors.push(lineError(id, null, 'invalid_json_line', 'This line is not valid JSON.'));
      return;
    }
    const customId = typeof request.custom_id === 'string' ? request.custom_id : null;
    if (batch.expireAfter !== undefined && position >= batch.expireAfter) {
      errors.push(
        lineError(
          id,
          customId,
          'batch_expired',
          'This request could not be executed before the completion window expired.',
        ),
      );
      return;
    }
    const endpoint = endpoints.get(`POST ${String(request.url)}`);
    if (
      request.method !== 'POST' ||
      request.url !== batch.endpoint ||
      endpoint === undefined ||
      typeof request.body !== 'object' ||
      request.body === null
    ) {
      errors.push(
        lineError(
          id,
          customId,
          'invalid_request',
          'The line must POST to the batch endpoint with a JSON body.',
        ),
      );
      return;
    }
    const { stream: _stream, ...body } = request.body as Record<string, unknown>;
    const planned = endpoint({ id: state.next + position, body, settings: options, options });
    const result = JSON.stringify({
      id,
      custom_id: customId,
      response: {
        status_code: planned.status,
        request_id: `mock-req-${id}`,
        body: JSON.parse(planned.body ?? 'null'),
      },
      error: null,
    });
    (planned.status === 200 ? output : errors).push(result);
  });
  batch.counts.completed = output.length;
  batch.counts.failed = errors.length;
  const write = (content: string[], suffix: string) => {
    if (content.length === 0) return null;
    const file: StoredFile = {
      id: `file-mock-${++state.next}`,
      bytes: Buffer.from(`${content.join('\n')}\n`),
      filename: `${batch.id}_${suffix}.jsonl`,
      purpose: 'batch_output',
      createdAt: unixSeconds(),
    };
    state.files.set(file.id, file);
    return file.id;
  };
  batch.outputFileId = write(output, 'output');
  batch.errorFileId = write(errors, 'error');
  batch.status =
    batch.expireAfter !== undefined && batch.expireAfter < lines.length ? 'expired' : 'completed';
}

/** A line of the error file for a request that never ran. */
const lineError = (id: string, customId: string | null, code: string, message: string) =>
  JSON.stringify({ id, custom_id: customId, response: null, error: { code, message } });

const fileObject = (file: StoredFile) => ({
  id: file.id,
  object: 'file',
  bytes: file.bytes.byteLength,
  created_at: file.createdAt,
  filename: file.filename,
  purpose: file.purpose,
  status: 'processed',
  status_details: null,
});

const batchObject = (batch: MockBatch) => ({
  id: batch.id,
  object: 'batch',
  endpoint: batch.endpoint,
  errors: null,
  input_file_id: batch.inputFileId,
  completion_window: '24h',
  status: batch.status,
  output_file_id: batch.outputFileId,
  error_file_id: batch.errorFileId,
  created_at: batch.createdAt,
  expires_at: batch.createdAt + 24 * 3600,
  request_counts: batch.counts,
  metadata: batch.metadata,
});
