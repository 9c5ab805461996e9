export { type AcceptLanes, acceptLanes, defaultAcceptLanes } from './accept-lanes.js';
export { type AttachUpgradesOptions, attachGatewayUpgrades } from './attach-upgrades.js';
export { type CheckContinueOptions, createCheckContinueHandler } from './check-continue.js';
export { handleNodeRequest, type NodeRequestExtras } from './handle-node-request.js';
export { handleNodeUpgrade } from './handle-node-upgrade.js';
export { readBody } from './read-body.js';
export { type WithGatewayOptions, withGateway } from './with-gateway.js';
export { type WriteOutcome, writeResponse } from './write-response.js';
