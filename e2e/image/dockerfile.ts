// The settings of a Dockerfile's final stage that an image definition must repeat: working dir,
// user, entrypoint, cmd, env, exposed ports and volumes. Enough of the Dockerfile syntax for our
// own Dockerfile: continuation lines, JSON-form ENTRYPOINT/CMD/VOLUME, `ENV k=v k2=v2`.
export interface ImageSettings {
  workingDir: string;
  user: string;
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  exposedPorts: number[];
  volumes: string[];
}

function instructions(text: string): Array<[string, string]> {
  const joined = text.replace(/\\\r?\n/g, " ");
  return joined
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const space = line.search(/\s/);
      return [line.slice(0, space).toUpperCase(), line.slice(space + 1).trim()];
    });
}

function jsonList(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
    throw new Error(`expected a JSON list of strings, got ${args}`);
  }
  return parsed;
}

/** Settings of the last stage (the image `docker build` produces). */
export function finalStageSettings(dockerfile: string): ImageSettings {
  const all = instructions(dockerfile);
  const lastFrom = all.map(([op]) => op).lastIndexOf("FROM");
  const settings: ImageSettings = {
    workingDir: "",
    user: "",
    entrypoint: [],
    cmd: [],
    env: {},
    exposedPorts: [],
    volumes: [],
  };
  for (const [op, args] of all.slice(lastFrom + 1)) {
    if (op === "WORKDIR") settings.workingDir = args;
    else if (op === "USER") settings.user = args;
    else if (op === "ENTRYPOINT") settings.entrypoint = jsonList(args);
    else if (op === "CMD") settings.cmd = jsonList(args);
    else if (op === "VOLUME") settings.volumes = jsonList(args);
    else if (op === "EXPOSE") settings.exposedPorts = args.split(/\s+/).map((p) => Number.parseInt(p, 10));
    else if (op === "ENV") {
      for (const [, key = "", value = ""] of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
        settings.env[key] = value.replace(/^"|"$/g, "");
      }
    }
  }
  return settings;
}
