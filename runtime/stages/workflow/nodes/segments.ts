import { appendUnique, removeAll } from "./lists.js";
import { requireName } from "./names.js";
import { defineNode, type NodeDefinition, passThrough } from "./types.js";

const SEGMENTS = { root: "profile", path: "segments" } as const;

/** `segment` is a name or a path to one (e.g. `event@properties.segment`). */
function segmentNode(add: boolean): NodeDefinition<{ segment: string }> {
  return defineNode<{ segment: string }>({
    inputs: ["payload"],
    outputs: ["payload"],
    schema: {
      type: "object",
      properties: { segment: { type: "string", minLength: 1 } },
      required: ["segment"],
      additionalProperties: false,
    },
    compile(config, tools) {
      const segment = tools.value("segment", config.segment);
      return (context) => {
        const profile = context.requireProfile();
        const name = requireName(context.resolve(segment), "segment");
        const next = add ? appendUnique(profile.segments, name) : removeAll(profile.segments, name);
        context.write(SEGMENTS, next);
        return passThrough(context);
      };
    },
  });
}

export const addSegment = segmentNode(true);
export const deleteSegment = segmentNode(false);
