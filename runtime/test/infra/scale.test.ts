import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "vitest";
import { errorMessage } from "../../error-message.js";
import { RuntimeProcess } from "../harness.js";
import { expectScaleResult, runScaleLoad, type ScaleSystem, setUpScaleFlow } from "../scale-load.js";
import { Topology } from "./topology.js";

// Issue 13: any number of collectors, changing while they run, with nothing lost or counted twice.
// The load of scale-load.ts on the production topology — two public APIs, the private API,
// collector workers going 1 → 3 → 1 (one SIGKILLed, one leaving gracefully) while the background
// worker is restarted (so keys move while the store lags), an apm worker running timed merge
// passes — over Pulsar and MariaDB, with the data in OpenSearch and in Elasticsearch; and on the
// embedded mode (one process), with the same assertions.

const SALT = "a-salt-of-twenty-chars-or-more";
let topology: Topology | null = null;
let standalone: RuntimeProcess | null = null;

afterEach(async () => {
  await topology?.close();
  await standalone?.stop();
  topology = null;
  standalone = null;
}, 180_000);

/** Runs the scenario; when it fails, the processes' logs go to a file the error names. */
async function withLogs(scenario: () => Promise<void>): Promise<void> {
  try {
    await scenario();
  } catch (error) {
    const file = join(tmpdir(), `tracardi-scale-${Date.now()}.log`);
    writeFileSync(file, topology?.logs() ?? standalone?.logs ?? "");
    throw new Error(`${errorMessage(error)}\n(process logs: ${file})`, {
      cause: error,
    });
  }
}

/** The distributed deployment on `store`, with its worker changes. */
async function distributed(store: "opensearch" | "elasticsearch"): Promise<ScaleSystem> {
  const started = await Topology.start(
    `scale-${store}`,
    { TRACARDI_AUTO_PROFILE_MERGING: SALT },
    undefined,
    store,
  );
  topology = started;
  // One at a time: five processes starting at once on a loaded 2-core machine overrun the harness's wait.
  const privateApi = await started.launch(["api", "--role", "private"]);
  const publicApis = [
    await started.launch(["api", "--role", "public"]),
    await started.launch(["api", "--role", "public"]),
  ];
  const firstCollector = await started.launch(["worker", "collector"]);
  await started.launch(["worker", "apm"], { TRACARDI_MERGE_INTERVAL_MS: "1000" });
  let background = await started.launch(["worker", "background"]);
  let added: RuntimeProcess[] = [];
  await setUpScaleFlow(privateApi);
  return {
    publicApis,
    privateApi,
    changes: [
      {
        at: 0.15,
        name: "collectors 1 → 3",
        run: async () => {
          added = await Promise.all([
            started.launch(["worker", "collector"]),
            started.launch(["worker", "collector"]),
          ]);
        },
      },
      {
        at: 0.35,
        name: "background worker stopped (storage lags from here)",
        run: () => background.kill("SIGTERM"),
      },
      {
        at: 0.45,
        name: "collectors 3 → 1: the first SIGKILLed, another stopped",
        // Their keys move to the last one while the store lags behind what they forwarded.
        run: async () => {
          await Promise.all([firstCollector.kill("SIGKILL"), added[1]?.kill("SIGTERM")]);
        },
      },
      {
        at: 0.6,
        name: "background worker started again",
        run: async () => {
          background = await started.launch(["worker", "background"]);
        },
      },
    ],
  };
}

describe("any number of collectors, changing under load", () => {
  it("counts exactly and merges completely over Pulsar, MariaDB and OpenSearch", async () => {
    await withLogs(async () => {
      const system = await distributed("opensearch");
      await expectScaleResult(system.privateApi, await runScaleLoad(system));
    });
  }, 240_000);

  it("counts exactly and merges completely over Pulsar, MariaDB and Elasticsearch", async () => {
    await withLogs(async () => {
      const system = await distributed("elasticsearch");
      await expectScaleResult(system.privateApi, await runScaleLoad(system));
    });
  }, 240_000);

  it("counts exactly and merges completely in the embedded mode (one process)", async () => {
    await withLogs(async () => {
      const runtime = await RuntimeProcess.start({
        TRACARDI_AUTO_PROFILE_MERGING: SALT,
        TRACARDI_MERGE_INTERVAL_MS: "1000",
      });
      standalone = runtime;
      await setUpScaleFlow(runtime);
      const system = { publicApis: [runtime], privateApi: runtime, changes: [] };
      await expectScaleResult(runtime, await runScaleLoad(system));
    });
  }, 240_000);
});
