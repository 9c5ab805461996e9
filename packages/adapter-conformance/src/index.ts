export {
  type AdapterUnderTest,
  type BodyParserCase,
  describeAdapterConformance,
  type MountedApp,
  type MountSetup,
} from './describe-adapter-conformance.js';
