// The levels a record may have, with the OpenTelemetry severity numbers they map to (the first of
// each range: TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24).

/** Every level `EXARP_LOG_LEVEL` accepts, least severe first. */
export const LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];

/** The OpenTelemetry SeverityNumber of each level. */
export const SEVERITY_NUMBER: Readonly<Record<Level, number>> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17 };

/** The level `EXARP_LOG_LEVEL` leaves unset (or gives a value it does not know). */
export const DEFAULT_LEVEL: Level = "info";

/** A level from `EXARP_LOG_LEVEL` (any case, surrounding spaces ignored); undefined when it names none. */
export function parseLevel(value: string): Level | undefined {
  const wanted = value.trim().toLowerCase();
  return LEVELS.find((level) => level === wanted);
}
