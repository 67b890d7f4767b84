/**
 * A backend (queue, configuration store, identity index, search engine) cannot serve now: not
 * reachable, too slow, or full. The request was not accepted; the APIs answer 503 with Retry-After.
 * The message is what the client is told, so it names the backend and what went wrong, never a
 * credential.
 */
export class BackendUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "BackendUnavailableError";
  }
}
