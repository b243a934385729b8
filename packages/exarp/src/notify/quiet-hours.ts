// Quiet hours: a daily span of local time, "HH:MM-HH:MM", that may wrap midnight ("22:00-07:00").

/** A span of the day in minutes since midnight: from `start` (included) to `end` (excluded). */
export type QuietHours = { start: number; end: number };

const PATTERN = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** `"22:00-07:00"` as minutes; an empty text is no quiet hours; anything else is a sentence saying what is wrong. */
export function parseQuietHours(raw: unknown): QuietHours | undefined | { error: string } {
  if (typeof raw !== "string") return { error: 'must be a span of local time like "22:00-07:00", or empty' };
  const text = raw.trim();
  if (text === "") return undefined;
  const m = PATTERN.exec(text);
  if (!m) return { error: 'must be a span of local time like "22:00-07:00" (HH:MM-HH:MM, 24-hour), or empty' };
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (start === end) return { error: "must end at another time than it starts" };
  return { start, end };
}

/** True when `minute` (0–1439) falls in the span; a span whose end comes before its start wraps midnight. */
export function isQuietAt(hours: QuietHours, minute: number): boolean {
  return hours.start < hours.end
    ? minute >= hours.start && minute < hours.end
    : minute >= hours.start || minute < hours.end;
}

/** Minutes since local midnight at `ms`. */
export function localMinute(ms: number): number {
  const d = new Date(ms);
  return d.getHours() * 60 + d.getMinutes();
}
