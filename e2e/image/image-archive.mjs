// Writes a single-layer docker-archive (what `ctr images import` and `docker load` read) from a
// layer tar and an image definition: manifest.json, the config blob (named by its digest) and the
// layer. Usage: node image-archive.mjs <definition.json> <layer.tar> <out-dir>
// The out-dir is then tarred by the caller. Only node: built-ins, so it runs on the bare machine.
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [definitionFile, layerTar, outDir] = process.argv.slice(2);
if (!definitionFile || !layerTar || !outDir) {
  console.error("usage: node image-archive.mjs <definition.json> <layer.tar> <out-dir>");
  process.exit(2);
}
const def = JSON.parse(readFileSync(definitionFile, "utf8"));

const sha256File = (file) =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });

const diffId = await sha256File(layerTar);
const config = {
  architecture: "amd64",
  os: "linux",
  created: "1970-01-01T00:00:00Z",
  config: {
    User: def.user ?? "",
    WorkingDir: def.workingDir ?? "",
    Entrypoint: def.entrypoint ?? null,
    Cmd: def.cmd ?? null,
    Env: Object.entries({ ...def.baseEnv, ...def.env }).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: Object.fromEntries((def.exposedPorts ?? []).map((p) => [`${p}/tcp`, {}])),
    Volumes: Object.fromEntries((def.volumes ?? []).map((v) => [v, {}])),
    Labels: def.labels ?? {},
  },
  rootfs: { type: "layers", diff_ids: [`sha256:${diffId}`] },
  history: [{ created: "1970-01-01T00:00:00Z", created_by: `local build of ${def.reference}` }],
};
const configJson = JSON.stringify(config);
const configName = `${createHash("sha256").update(configJson).digest("hex")}.json`;
writeFileSync(join(outDir, configName), configJson);
renameSync(layerTar, join(outDir, `${diffId}.tar`));
writeFileSync(
  join(outDir, "manifest.json"),
  JSON.stringify([{ Config: configName, RepoTags: [def.reference], Layers: [`${diffId}.tar`] }]),
);
console.log(`${def.reference} sha256:${diffId}`);
