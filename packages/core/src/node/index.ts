export { handleNodeRequest, type NodeRequestExtras } from './handle-node-request.js';
export { readBody } from './read-body.js';
export { writeResponse } from './write-response.js';
