import type { z } from "zod";

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

/** A class of ExarpError with a fixed name, a schema for its data and a message built from the data. */
export type ErrorClass<Schema extends z.ZodType> = {
  new (data: z.infer<Schema>): ExarpError<z.infer<Schema>>;
  readonly errorName: string;
  readonly schema: Schema;
  is(error: unknown): error is ExarpError<z.infer<Schema>>;
};

/** Defines an error once: `const NotFound = defineError("NotFound", schema, (d) => "...")`. */
export function defineError<Schema extends z.ZodType>(
  name: string,
  schema: Schema,
  message: (data: z.infer<Schema>) => string,
): ErrorClass<Schema> {
  return class extends ExarpError<z.infer<Schema>> {
    static readonly errorName = name;
    static readonly schema = schema;
    static is(error: unknown): error is ExarpError<z.infer<Schema>> {
      return error instanceof ExarpError && error.name === name;
    }
    constructor(data: z.infer<Schema>) {
      super(name, message(data), data);
    }
  };
}
