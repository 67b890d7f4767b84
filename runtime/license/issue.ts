import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { encodeKey, type LicenseBody } from "./format.js";

export interface IssueInput {
  owner: string;
  expires: Date;
  features?: string[];
  issued?: Date;
}

export function issueLicense(input: IssueInput, privateKey: string | KeyObject): string {
  const keyObject = typeof privateKey === "string" ? createPrivateKey(privateKey) : privateKey;
  if (keyObject.asymmetricKeyType !== "ed25519") throw new Error("the private key is not an Ed25519 key");
  const body: LicenseBody = {
    owner: input.owner,
    expires: input.expires.toISOString(),
    features: input.features ?? [],
    issued: (input.issued ?? new Date()).toISOString(),
  };
  const bodyBytes = Buffer.from(JSON.stringify(body), "utf8");
  return encodeKey(bodyBytes, sign(null, bodyBytes, keyObject));
}

export interface PemKeyPair {
  publicKey: string;
  privateKey: string;
}

export function generateLicenseKeyPair(): PemKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
