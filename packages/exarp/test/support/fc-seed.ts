/** A fresh fast-check seed each run, printed, so any failure can be replayed with EXARP_FC_SEED=…. */
export function seed(name: string): number {
  const value = Number(process.env.EXARP_FC_SEED ?? Date.now() % 2 ** 31);
  console.log(`${name}: fast-check seed ${value}`);
  return value;
}
