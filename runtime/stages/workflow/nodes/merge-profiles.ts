import { defineNode, passThrough } from "./types.js";

/**
 * Marks the profile for merging by the given keys (`profile@data.contact.email.main`). Keys of several
 * merge nodes accumulate over the run (Tracardi #875 kept only the last node's keys). `force: true`
 * makes the merge these keys find skip the identifier-conflict and shared-value rails (values that
 * never identify anyone still make no key).
 */
export const mergeProfiles = defineNode<{ keys: string[]; force?: boolean }>({
  inputs: ["payload"],
  outputs: ["payload"],
  schema: {
    type: "object",
    properties: {
      keys: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 },
      force: { type: "boolean" },
    },
    required: ["keys"],
    additionalProperties: false,
  },
  compile(config, tools) {
    const keys: string[] = [];
    config.keys.forEach((text, i) => {
      const ref = tools.path(`keys[${i}]`, text);
      if (ref.root !== "profile" || ref.path === "") {
        tools.problem(`keys[${i}]`, `merge key "${text}" must be a profile field (profile@...)`);
      }
      keys.push(ref.path);
    });
    return (context) => {
      context.requireProfile();
      context.addMergeKeys(keys, config.force === true);
      return passThrough(context);
    };
  },
});
