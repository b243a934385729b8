/** One named check and what it found: `problems` are damage (doctor fails), `notes` are not. */
export type DoctorCheck = { name: string; ok: boolean; summary: string; problems: string[]; notes?: string[] };

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** A check's result: the pass wording when clean, the problem count otherwise. */
export function checkResult(
  name: string,
  passed: string,
  failed: string,
  problems: string[],
  notes: string[] = [],
): DoctorCheck {
  const ok = problems.length === 0;
  return {
    name,
    ok,
    summary: ok ? passed : `${plural(problems.length, "problem")}: ${failed}`,
    problems,
    ...(notes.length ? { notes } : {}),
  };
}
