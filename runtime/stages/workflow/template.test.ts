import { describe, expect, it } from "vitest";
import { getPath } from "../../domain/paths.js";
import { parseTemplate, renderTemplate, renderUrlTemplate } from "./template.js";
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

describe("URL templates", () => {
  const values: Record<string, unknown> = {
    event: { properties: { id: "../admin?x=1#frag", q: "a b&c=d", hook: "https://h.example/base" } },
    profile: { traits: { list: [1, "/"] } },
  };
  const readValue = (ref: { root: string; path: string }) => getPath(values[ref.root], ref.path);

  it("encodes values in the path, query and fragment", () => {
    const template = parseTemplate(
      "https://api.example/users/{{event@properties.id}}?q={{event@properties.q}}&l={{profile@traits.list}}",
    );
    expect(renderUrlTemplate(template, readValue)).toBe(
      "https://api.example/users/..%2Fadmin%3Fx%3D1%23frag?q=a%20b%26c%3Dd&l=%5B1%2C%22%2F%22%5D",
    );
  });

  it("inserts a value that forms the scheme or host as it is, and encodes what follows the origin", () => {
    const template = parseTemplate("{{event@properties.hook}}/{{event@properties.q}}");
    expect(renderUrlTemplate(template, readValue)).toBe("https://h.example/base/a%20b%26c%3Dd");
  });
});
