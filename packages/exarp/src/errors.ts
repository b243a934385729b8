/** Base of every expected failure: a stable `name`, typed `data`, a message a person can act on. */
export class ExarpError<Data = unknown> extends Error {
  readonly data: Data;
  constructor(name: string, message: string, data: Data) {
    super(message);
    this.name = name;
    this.data = data;
  }
  toJSON(): { name: string; message: string; data: Data } {
    return { name: this.name, message: this.message, data: this.data };
  }
}

/** A class of ExarpError with a fixed name and a message built from its typed data. */
export type ErrorClass<Data> = {
  new (data: Data): ExarpError<Data>;
  readonly errorName: string;
  is(error: unknown): error is ExarpError<Data>;
};

/**
 * Defines an error once: `const NotFound = defineError<{ kind: string; id: string }>("NotFound", (d) => "...")`.
 * The data's shape is a type, not a runtime schema: errors are built by exarp itself, never parsed,
 * so defining them loads no validation library.
 */
export function defineError<Data>(name: string, message: (data: Data) => string): ErrorClass<Data> {
  return class extends ExarpError<Data> {
    static readonly errorName = name;
    static is(error: unknown): error is ExarpError<Data> {
      return error instanceof ExarpError && error.name === name;
    }
    constructor(data: Data) {
      super(name, message(data), data);
    }
  };
}
