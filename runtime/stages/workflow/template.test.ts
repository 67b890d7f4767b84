import { describe, expect, it } from "vitest";
import { getPath } from "../../domain/paths.js";
import { parseTemplate, renderTemplate } from "./template.js";
import { TqlSyntaxError } from "./tql/parse.js";

const docs: Record<string, unknown> = {
  profile: { data: { pii: { firstname: "Ann" } }, stats: { views: 2 } },
  event: { properties: { items: [1, 2] } },
};
const read = (ref: { root: string; path: string }) => getPath(docs[ref.root], ref.path);

describe("payload templates", () => {
  it("replaces placeholders with values, JSON for non-strings, nothing for absent values", () => {
    const template = parseTemplate(
      "Hi {{profile@data.pii.firstname}}, {{ profile@stats.views }} views, {{event@properties.items}}{{event@none}}!",
    );
    expect(renderTemplate(template, read)).toBe("Hi Ann, 2 views, [1,2]!");
  });

  it("leaves text without placeholders as it is", () => {
    expect(renderTemplate(parseTemplate("plain {text}"), read)).toBe("plain {text}");
  });

  it("reports an unclosed placeholder and a bad path with the position in the template", () => {
    try {
      parseTemplate("ok {{profile@a");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TqlSyntaxError);
      expect((error as TqlSyntaxError).position).toEqual({ offset: 3, line: 1, column: 4 });
    }
    try {
      parseTemplate("line\n{{ bogus@a }}");
      expect.unreachable();
    } catch (error) {
      expect((error as TqlSyntaxError).position).toEqual({ offset: 8, line: 2, column: 4 });
      expect((error as TqlSyntaxError).message).toMatch(
        /^unknown path root "bogus" .* in placeholder at line 2, column 4$/,
      );
    }
  });
});
