export {
  type AdapterUnderTest,
  type BodyParserCase,
  describeAdapterConformance,
  type MountedApp,
  type MountSetup,
} from './describe-adapter-conformance.js';
export {
  describeUpgradeConformance,
  type UpgradeAdapterUnderTest,
  type UpgradeMountedApp,
} from './describe-upgrade-conformance.js';
