// Deciding what `exarp init` does to each file, from what is there, what it wants there and what it
// recorded writing last time. No I/O: the caller reads the files and writes the result.
import { createHash } from "node:crypto";
import { type Artifact, artifactLabel, artifactPath } from "./artifacts.ts";
import { blockedAt, canonicalJson, newSettingsText, parseSettings, valueAt, withValue } from "./json-edit.ts";

/** What a file holds now: its text, nothing, or why it cannot be touched (a symlink, a folder). */
export type Current = { text: string } | { absent: true } | { unusable: string };

/** SHA-256 of what exarp wrote, per file (`path`), key (`path#a.b`) or plugin entry (`path#a.b[]`). */
export type Record_ = Record<string, string>;

export type Action = "create" | "add" | "update" | "unchanged" | "remove" | "overwrite";

export type Step = { label: string; action: Action };

export type Plan = {
  steps: Step[];
  /** Files to write, with their new text. */
  writes: { path: string; text: string; created: boolean }[];
  /** Files of exarp's to delete (`--remove`). */
  deletes: string[];
  /** Things a person changed (or wrote), which exarp will not overwrite without --force. */
  conflicts: string[];
  /** Files exarp cannot use (invalid JSON, a symlink…), left untouched. */
  invalid: string[];
  /** The record after the writes. */
  record: Record_;
};

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The record's name for an artifact. */
export const recordId = (a: Artifact) =>
  a.kind === "file" || a.kind === "no-file"
    ? a.path
    : `${a.file.path}#${a.key.join(".")}${a.kind === "element" || a.kind === "no-element" ? "[]" : ""}`;

/** The first text of a settings file exarp creates. */
const SCHEMAS: Record<string, string> = {
  "opencode.json": "https://opencode.ai/config.json",
  "opencode.jsonc": "https://opencode.ai/config.json",
};

export function planInstall(
  artifacts: readonly Artifact[],
  current: (path: string) => Current,
  recorded: Record_,
  force: boolean,
): Plan {
  const plan: Plan = { steps: [], writes: [], deletes: [], conflicts: [], invalid: [], record: { ...recorded } };
  const byPath = new Map<string, Artifact[]>();
  for (const a of artifacts) byPath.set(artifactPath(a), [...(byPath.get(artifactPath(a)) ?? []), a]);

  for (const [path, group] of byPath) {
    const now = current(path);
    if ("unusable" in now) {
      plan.invalid.push(`${path}: ${now.unusable}`);
      continue;
    }
    const [first] = group as [Artifact];
    if (first.kind === "file") {
      planFile(plan, first, now, recorded, force);
      continue;
    }
    if (first.kind === "no-file") {
      planNoFile(plan, first, now, recorded, force);
      continue;
    }
    planSettings(plan, path, group, now, recorded, force);
  }
  return plan;
}

function planFile(plan: Plan, a: Artifact & { kind: "file" }, now: Current, recorded: Record_, force: boolean) {
  const id = recordId(a);
  const want = sha256(a.content);
  if ("absent" in now) {
    plan.steps.push({ label: a.path, action: "create" });
    plan.writes.push({ path: a.path, text: a.content, created: true });
  } else if ("text" in now) {
    const have = sha256(now.text);
    if (have === want) plan.steps.push({ label: a.path, action: "unchanged" });
    else if (recorded[id] === have || force) {
      plan.steps.push({ label: a.path, action: recorded[id] === have ? "update" : "overwrite" });
      plan.writes.push({ path: a.path, text: a.content, created: false });
    } else {
      plan.conflicts.push(a.path);
      return;
    }
  }
  plan.record[id] = want;
}

function planNoFile(plan: Plan, a: Artifact & { kind: "no-file" }, now: Current, recorded: Record_, force: boolean) {
  if (!("text" in now)) {
    delete plan.record[a.path];
    return;
  }
  if (recorded[a.path] !== sha256(now.text) && !force) {
    plan.conflicts.push(a.path);
    return;
  }
  plan.steps.push({ label: a.path, action: "remove" });
  plan.deletes.push(a.path);
  delete plan.record[a.path];
}

function planSettings(
  plan: Plan,
  path: string,
  group: readonly Artifact[],
  now: Current,
  recorded: Record_,
  force: boolean,
) {
  const format = (group[0] as Exclude<Artifact, { kind: "file" | "no-file" }>).file.format;
  const existed = "text" in now;
  let text = "text" in now ? now.text : newSettingsText(SCHEMAS[path] ? { $schema: SCHEMAS[path] } : {});
  const parsed = parseSettings(text, format);
  if (!parsed.ok) {
    plan.invalid.push(`${path}: ${parsed.reason}`);
    return;
  }
  let root = parsed.root;
  let changed = false;
  const conflicts: string[] = [];
  const steps: Step[] = [];
  const records: [string, string | undefined][] = [];
  const set = (key: readonly string[], value: unknown) => {
    text = withValue(text, key, value);
    const again = parseSettings(text, format);
    if (!again.ok) throw new Error(`editing ${path} produced invalid text: ${again.reason}`);
    root = again.root;
    changed = true;
  };

  for (const a of group) {
    if (a.kind === "file" || a.kind === "no-file") continue;
    const label = artifactLabel(a);
    const id = recordId(a);
    const blocked = blockedAt(root, a.key);
    if (blocked) {
      plan.invalid.push(`${path}: ${blocked}`);
      return;
    }
    const have = valueAt(root, a.key);
    if (a.kind === "key") {
      const want = canonicalJson(a.value);
      if (have === undefined) steps.push({ label, action: "add" });
      else if (canonicalJson(have) === want) {
        steps.push({ label, action: "unchanged" });
        records.push([id, sha256(want)]);
        continue;
      } else if (recorded[id] === sha256(canonicalJson(have))) steps.push({ label, action: "update" });
      else if (force) steps.push({ label, action: "overwrite" });
      else {
        conflicts.push(label);
        continue;
      }
      set(a.key, a.value);
      records.push([id, sha256(want)]);
    } else if (a.kind === "no-key") {
      if (have === undefined) continue;
      if (recorded[id] !== sha256(canonicalJson(have)) && !force) {
        conflicts.push(`${label} (${a.why})`);
        continue;
      }
      steps.push({ label, action: "remove" });
      set(a.key, undefined);
      records.push([id, undefined]);
    } else {
      if (have !== undefined && !Array.isArray(have)) {
        plan.invalid.push(`${path}: its "${a.key.join(".")}" is not a list`);
        return;
      }
      const list = (have ?? []) as unknown[];
      if (a.kind === "element") {
        if (list.includes(a.value)) steps.push({ label, action: "unchanged" });
        else {
          steps.push({ label, action: "add" });
          set(a.key, [...list, a.value]);
        }
        records.push([id, a.value]);
        continue;
      }
      const named = list.filter((v): v is string => typeof v === "string" && a.matches(v));
      if (named.length === 0) continue;
      const mine = named.every((v) => recorded[id] === v);
      if (!mine && !force) {
        conflicts.push(`${label} (${a.why})`);
        continue;
      }
      steps.push({ label, action: "remove" });
      set(
        a.key,
        list.filter((v) => !named.includes(v as string)),
      );
      records.push([id, undefined]);
    }
  }
  plan.conflicts.push(...conflicts);
  if (conflicts.length) return;
  plan.steps.push(...steps);
  for (const [id, value] of records) {
    if (value === undefined) delete plan.record[id];
    else plan.record[id] = value;
  }
  if (changed) plan.writes.push({ path, text, created: !existed });
}
