// The README is the front door: its CLI reference must match the CLI, and it must name the commands CI runs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { markdownReference } from "../src/cli/help.ts";
import { commands } from "../src/cli/registry.ts";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("carries the CLI reference generated from the commands (run `npm run docs` after changing them)", () => {
    const block = readme.split("<!-- cli-reference:start -->")[1]?.split("<!-- cli-reference:end -->")[0]?.trim();
    expect(block).toBe(markdownReference());
  });

  it("names the set-up and test commands, and every verb", () => {
    for (const command of ["npm install", "npm start", "npm test"]) expect(readme).toContain(command);
    for (const c of commands) expect(readme).toContain(`exarp ${c.name}`);
  });

  it("keeps the CLI small: the verbs the issues name, and no more", () => {
    expect(commands.length).toBeLessThanOrEqual(33);
  });
});
