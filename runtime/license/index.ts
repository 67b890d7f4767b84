export { decodeKey, KEY_PREFIX, type LicenseBody, LicenseFormatError, parseExpiry } from "./format.js";
export { generateLicenseKeyPair, type IssueInput, issueLicense, type PemKeyPair } from "./issue.js";
export {
  DEFAULT_WARNING_DAYS,
  type LicenseCheck,
  type LicenseStatus,
  nextLicenseTransition,
  type VerifyOptions,
  verifyLicense,
} from "./verify.js";
