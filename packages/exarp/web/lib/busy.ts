// A write started from a button: the buttons that could send it again stay disabled until it has
// answered, so a double click sends one request.

/** Runs `action` with the `buttons` disabled (ones already disabled stay so), then enables them again. */
export async function whileSending<T>(buttons: readonly HTMLButtonElement[], action: () => Promise<T>): Promise<T> {
  const enabled = buttons.filter((b) => !b.disabled);
  for (const button of enabled) button.disabled = true;
  try {
    return await action();
  } finally {
    for (const button of enabled) button.disabled = false;
  }
}
