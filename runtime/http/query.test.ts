import { describe, expect, it } from "vitest";
import { HttpError } from "./errors.js";
import { booleanParam } from "./query.js";

describe("booleanParam", () => {
  it("reads the spellings FastAPI accepts, and absence as undefined", () => {
    for (const yes of ["true", "TRUE", "1", "yes", "on", "t", "y"])
      expect(booleanParam({ v: yes }, "v"), yes).toBe(true);
    for (const no of ["false", "False", "0", "no", "off", "f", "n"])
      expect(booleanParam({ v: no }, "v"), no).toBe(false);
    expect(booleanParam({}, "v")).toBeUndefined();
    expect(booleanParam({ v: "" }, "v")).toBeUndefined();
  });

  it("refuses anything else with a 422 naming the parameter", () => {
    try {
      booleanParam({ valid: "maybe" }, "valid");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).statusCode).toBe(422);
      expect((error as HttpError).detail).toEqual([
        { loc: ["query", "valid"], msg: "value could not be parsed to a boolean", type: "type_error.bool" },
      ]);
    }
  });
});
