/**
 * SIGTERM and SIGINT, listened for from the process's first moment. In a container the runtime is
 * PID 1, and the kernel drops any signal PID 1 has no handler for: a stop sent while the process was
 * still starting (a worker scaled down as it came up) was lost, and the pod went on taking messages
 * until SIGKILL ended it mid-batch after the grace period.
 *
 * Before `started()` (no request or message taken yet) a stop calls `whileStarting`, which exits;
 * from `started()` on it resolves `stopped` and the caller shuts down in order.
 */
export interface StopSignal {
  /** The process is about to take requests or messages: from now on a stop resolves `stopped`. */
  started(): void;
  stopped: Promise<void>;
}

export function listenForStop(whileStarting: () => void): StopSignal {
  let running = false;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const stop = () => (running ? resolveStopped() : whileStarting());
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return {
    started: () => {
      running = true;
    },
    stopped,
  };
}
