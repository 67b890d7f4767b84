import type { Tone } from "../components/ui";
import { isError, type Status, type Throughput } from "./types";

export interface Verdict {
  tone: Tone;
  headline: string;
  reasons: string[];
}

/** The answer to "is data flowing?" from the status and the last minutes' counts. */
export function pipelineVerdict(status: Status, throughput: Throughput | null, recentMinutes = 5): Verdict {
  const recent = (throughput?.minutes ?? []).slice(-recentMinutes);
  const accepted = recent.reduce((sum, m) => sum + (m.accepted ?? 0), 0);
  const stored = recent.reduce((sum, m) => sum + m.stored, 0);
  const problems = isError(status.backends.problems)
    ? [`backends: ${status.backends.problems.error}`]
    : status.backends.problems;
  const blocking = [
    ...problems,
    ...status.stalls.map((s) => `stage ${s.stage} is stalled`),
    ...(status.processing.error ? [`processing: ${status.processing.error}`] : []),
    ...(status.license.processing === "paused" ? [`processing paused: ${status.license.message}`] : []),
  ];
  if (blocking.length > 0) return { tone: "bad", headline: "Data is not flowing", reasons: blocking };
  const deadLetters = isError(status.queue.deadLetters) ? 0 : status.queue.deadLetters;
  const notes = deadLetters > 0 ? [`${deadLetters} dead letter(s) wait for a replay`] : [];
  if (stored > 0 || accepted > 0)
    return {
      tone: notes.length > 0 ? "warn" : "ok",
      headline: "Data is flowing",
      reasons: [
        throughput?.counted === "store"
          ? `${stored} stored in the last ${recentMinutes} minutes`
          : `${accepted} accepted, ${stored} stored in the last ${recentMinutes} minutes`,
        ...notes,
      ],
    };
  return {
    tone: notes.length > 0 ? "warn" : "neutral",
    headline: "Ready, waiting for events",
    reasons: [
      `nothing ${throughput?.counted === "store" ? "stored" : "accepted"} in the last ${recentMinutes} minutes`,
      ...notes,
    ],
  };
}
