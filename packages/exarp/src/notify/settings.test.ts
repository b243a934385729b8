// The two notification settings as the project reads them: defaults, the variables, the files.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp.ts";
import { loadSettings } from "../project/settings.ts";

function dirWith(config: object): string {
  const dir = join(tempDir(), ".exarp");
  mkdirSync(dir);
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

describe("notify settings", () => {
  it("default: notifications on, no quiet hours", () => {
    const { settings, source } = loadSettings(undefined, {});
    expect([settings["notify.enabled"], settings["notify.quietHours"]]).toEqual([true, ""]);
    expect(source["notify.enabled"]).toBe("default");
  });

  it("reads EXARP_NOTIFY_ENABLED and EXARP_NOTIFY_QUIET_HOURS, and refuses bad values naming the variable", () => {
    const env = { EXARP_NOTIFY_ENABLED: "0", EXARP_NOTIFY_QUIET_HOURS: " 22:00-07:00 " };
    const { settings, source } = loadSettings(undefined, env);
    expect([settings["notify.enabled"], settings["notify.quietHours"]]).toEqual([false, "22:00-07:00"]);
    expect(source["notify.enabled"]).toBe("EXARP_NOTIFY_ENABLED");
    expect(() => loadSettings(undefined, { EXARP_NOTIFY_QUIET_HOURS: "night" })).toThrow(
      /EXARP_NOTIFY_QUIET_HOURS must be a span of local time like "22:00-07:00"/,
    );
    expect(() => loadSettings(undefined, { EXARP_NOTIFY_ENABLED: "yes" })).toThrow(
      /EXARP_NOTIFY_ENABLED must be true or false/,
    );
  });

  it("reads the files' notify section, and refuses a wrong type naming the file and key", () => {
    const dir = dirWith({ notify: { enabled: false, quietHours: "23:30-06:15" } });
    const { settings, source } = loadSettings(dir, {});
    expect([settings["notify.enabled"], settings["notify.quietHours"]]).toEqual([false, "23:30-06:15"]);
    expect(source["notify.quietHours"]).toBe(`${join(dir, "config.json")}: notify.quietHours`);
    expect(() => loadSettings(dirWith({ notify: { quietHours: "10:00-10:00" } }), {})).toThrow(
      /notify\.quietHours must end at another time than it starts/,
    );
    expect(() => loadSettings(dirWith({ notify: { enabled: "no" } }), {})).toThrow(
      /notify\.enabled must be true or false/,
    );
  });
});
