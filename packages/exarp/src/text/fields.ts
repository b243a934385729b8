import { z } from "../kernel/zod.ts";
import { normalizeNewlines, unsafeReason } from "./safe.ts";

/**
 * A one-line text field as input (title, tag, assignee, actor name): trimmed, 1–`max` characters,
 * no control, separator or bidi characters. Stored data is not re-checked: renderers neutralise it.
 */
export function singleLine(label: string, max: number) {
  return z
    .string()
    .trim()
    .min(1, `${label} is empty`)
    .max(max, `${label} is longer than ${max} characters`)
    .superRefine((value, ctx) => {
      const reason = unsafeReason(value, false);
      if (reason) ctx.addIssue({ code: "custom", message: `${label} ${reason}` });
    });
}

/** A multi-line text field as input (description, comment, reason): newlines and tabs kept, other controls refused. */
export function multiLine(label: string, max: number) {
  return z
    .string()
    .overwrite(normalizeNewlines)
    .max(max, `${label} is longer than ${max} characters`)
    .superRefine((value, ctx) => {
      const reason = unsafeReason(value, true);
      if (reason) ctx.addIssue({ code: "custom", message: `${label} ${reason}` });
    });
}
