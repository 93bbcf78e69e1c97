export {
  BundleRequiredError,
  chooseEntry,
  startFromBundleOrModules,
  type BundleChoice,
  type BundleManifest,
  type BundleMode
} from "./bundle-chooser.js";
