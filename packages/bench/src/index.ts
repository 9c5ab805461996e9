export { type ArmKind, type ArmRole, armDescriptions, armKinds } from './arms/arm-kinds.js';
export { fullPipelineOptions } from './arms/full-pipeline.js';
export { nginxConfig } from './arms/nginx.js';
export { describeTopology, planTopology, type Topology } from './arms/pinning.js';
export {
  checkLittlesLaw,
  type LittlesLawCheck,
  type LittlesLawInput,
  littlesLawTolerance,
} from './load/littles-law.js';
export { type LoadPhase, type LoadResult, runLoad } from './load/run-load.js';
export { type ProgressEvent, type ProgressListener, progressLine } from './progress.js';
export { rampChartSvg } from './ramp/ramp-chart.js';
export { renderRampHtml, renderRampMarkdown, renderRampText } from './ramp/ramp-render.js';
export type { RampLevel, RampReport, RampTarget, Slo } from './ramp/ramp-types.js';
export { type RampPlan, type RampSubject, rampDefaults, runRamp } from './ramp/run-ramp.js';
export { findKnee, judgeLevel, largestMeetingSlo } from './ramp/slo.js';
export { writeRampReports } from './ramp/write-ramp-reports.js';
export { renderHtml } from './report/html.js';
export { latencyChartSvg } from './report/latency-chart.js';
export { renderMarkdown } from './report/markdown.js';
export type {
  ArmReport,
  ArmSummary,
  BenchReport,
  RoundResult,
  TargetResult,
} from './report/report-types.js';
export type { Spread } from './report/stats.js';
export { failedTargets, renderText } from './report/tables.js';
export { evaluateTargets } from './report/targets.js';
export { writeReports } from './report/write-reports.js';
export { type RunOptions, runBench } from './run-bench.js';
export {
  type ArmSpec,
  defaultTargets,
  defineScenario,
  type ExternalArm,
  loadScenarioFile,
  type Scenario,
  ScenarioError,
  type ScenarioInput,
  type Targets,
} from './scenario/scenario.js';
export { requestFor, type Workload, type WorkloadName } from './scenario/workloads.js';
export { measureStreams, type StreamTimingOptions, type StreamTimingResult } from './streams/sse-timing.js';
