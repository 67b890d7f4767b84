import { describe, expect, it } from "vitest";
import { newProfile } from "../stages/process/profile.js";
import { alreadyApplied, recordApplied, taskMark } from "./applied-tasks.js";
import { mergeProfiles } from "./merge.js";

describe("applied tasks", () => {
  it("remembers a task on the profile and the session", () => {
    const profile = newProfile("p", new Date(0));
    expect(alreadyApplied("t1", profile, null)).toBe(false);
    recordApplied("t1", profile, null);
    expect(alreadyApplied("t1", profile, null)).toBe(true);
    expect(alreadyApplied("t2", profile, null)).toBe(false);
  });

  it("keeps only the newest tasks, the latest last, each once", () => {
    const profile = newProfile("p", new Date(0));
    for (const task of ["a", "b", "c", "b", "d"]) recordApplied(task, profile, null, 3);
    expect(profile.metadata.system.aux.applied_tasks).toEqual(["c", "b", "d"]);
    expect(alreadyApplied("a", profile, null)).toBe(false);
  });

  it("a merged profile's tasks are known to the survivor", () => {
    const older = newProfile("older", new Date(0));
    const newer = newProfile("newer", new Date(1000));
    recordApplied("t-older", older, null);
    recordApplied("t-newer", newer, null);
    const { survivor } = mergeProfiles([older, newer], new Date(2000));
    expect(survivor.id).toBe("older");
    expect(alreadyApplied("t-newer", survivor, null)).toBe(true);
    expect(alreadyApplied("t-older", survivor, null)).toBe(true);
  });

  it("keeps a mark of each task, not its whole id, and still knows tasks kept whole before", () => {
    const task = "01a23700-e1bb-7a1a-af00-8cc39858787c";
    const profile = newProfile("p", new Date(0));
    profile.metadata.system.aux.applied_tasks = ["0192f3a4-5b6c-4d8e-9f01-23456789abcd"];
    recordApplied(task, profile, null);
    expect(profile.metadata.system.aux.applied_tasks).toEqual([
      "0192f3a4-5b6c-4d8e-9f01-23456789abcd",
      "8cc39858787c",
    ]);
    expect(taskMark(task)).toBe("8cc39858787c");
    expect(alreadyApplied(task, profile, null)).toBe(true);
    expect(alreadyApplied("0192f3a4-5b6c-4d8e-9f01-23456789abcd", profile, null)).toBe(true);
    expect(alreadyApplied("01a23700-e1bb-7a1a-af00-8cc39858787d", profile, null)).toBe(false);
  });
});
