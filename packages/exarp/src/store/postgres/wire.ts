import { createRequire } from "node:module";
import type { SqlValue } from "../driver.ts";

// The PostgreSQL protocol on the main thread: requests written as bytes (pg-protocol's serializer)
// and answers parsed from the bytes the bridge's worker passes on (pg-protocol's parser), values
// read by node-postgres' own type parsers. Each request ends with Sync (or is one simple query), so
// each is answered up to its own ReadyForQuery, and requests sent back to back are answered in order.

const require = createRequire(import.meta.url);

/** What a failure is made of, on either side of the thread boundary. */
export type FailureData = { message: string; code?: string; lost: boolean; partial?: unknown[][] };

/** An answer: the last statement's rows and count; of a simple query, every statement's rows. */
export type Answered = { rows: unknown[]; rowCount: number; results: unknown[][] };

// biome-ignore lint/suspicious/noExplicitAny: pg-protocol's messages, as it parses them
type Message = any;
type Parse = (text: string) => unknown;
type Protocol = {
  serialize: {
    query(text: string): Buffer;
    parse(options: { name?: string; text: string }): Buffer;
    bind(options: { statement?: string; values?: unknown[] }): Buffer;
    describe(options: { type: "P" | "S"; name?: string }): Buffer;
    execute(): Buffer;
    sync(): Buffer;
  };
  Parser: new () => { parse(bytes: Buffer, callback: (message: Message) => void): void };
  parserOf(oid: number): Parse;
};

let loaded: Protocol | undefined;
/**
 * pg-protocol and pg-types, loaded when a PostgreSQL project is first opened: node-postgres' own,
 * found from where node-postgres is (exarp depends on node-postgres alone).
 */
function protocol(): Protocol {
  if (loaded) return loaded;
  const fromPg = createRequire(require.resolve("pg"));
  const types = fromPg("pg-types") as { getTypeParser(oid: number, format: "text"): Parse };
  const asNumber = (value: string) => Number(value);
  const parsers = new Map<number, Parse>();
  loaded = {
    serialize: fromPg("pg-protocol").serialize,
    Parser: fromPg("pg-protocol/dist/parser").Parser,
    // int8 (counts, seq, times) and numeric as numbers: exarp's values stay far below 2^53.
    parserOf(oid) {
      let parse = parsers.get(oid);
      if (!parse) {
        parse = oid === 20 || oid === 1700 ? asNumber : types.getTypeParser(oid, "text");
        parsers.set(oid, parse);
      }
      return parse;
    },
  };
  return loaded;
}

/** Failures that mean the connection is gone (the server shutting down, the link broken). */
const LOST_CODES = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006"]);
/** Whether a failure the server sent ends the connection. */
export const endsConnection = (message: Message) =>
  LOST_CODES.has(message.code) || message.severity === "FATAL" || message.severity === "PANIC";

/** A parameter as text, or bytes (sent in binary). */
const paramOf = (value: SqlValue) =>
  value === null || value === undefined ? null : Buffer.isBuffer(value) ? value : String(value);

/** The bytes of one request; `parsed`: its named statement is prepared on this connection already. */
export function encodeQuery(request: { text: string; params?: SqlValue[]; name?: string }, parsed: boolean): Buffer {
  const { serialize } = protocol();
  const params = request.params ?? [];
  if (!request.name && params.length === 0) return serialize.query(request.text);
  const parts: Buffer[] = [];
  if (!parsed) parts.push(serialize.parse({ name: request.name ?? "", text: request.text }));
  parts.push(
    serialize.bind({ statement: request.name ?? "", values: params.map(paramOf) }),
    serialize.describe({ type: "P", name: "" }),
    serialize.execute(),
    serialize.sync(),
  );
  return Buffer.concat(parts);
}

/** The bytes of a text of statements run by the simple protocol. */
export const encodeSimple = (text: string): Buffer => protocol().serialize.query(text);

/** `INSERT 0 3`, `UPDATE 2`, `SELECT 5`: the count; commands without one count 0. */
function countOf(tag: string): number {
  const match = /^[A-Za-z]+(?: (\d+))?(?: (\d+))?/.exec(tag);
  return Number(match?.[2] ?? match?.[1] ?? 0);
}

/**
 * One request's answer, built from the messages of its turn: complete at ReadyForQuery, with the
 * rows of each statement, or the failure and (of a text of statements) the rows of each statement
 * before it that returned any.
 */
export class Answer {
  done = false;
  failure: FailureData | undefined;
  readonly results: unknown[][] = [];
  rowCount = 0;
  /** The named statement this request prepares, until the server confirms it. */
  parsing: string | undefined;
  private rows: unknown[] = [];
  private fields: { name: string; parse: Parse }[] = [];
  private readonly arrays: boolean;
  constructor(rowMode?: "array") {
    this.arrays = rowMode === "array";
  }

  /** Takes one message of this turn; true when it was the last. */
  take(message: Message): boolean {
    switch (message.name) {
      case "rowDescription": {
        const { parserOf } = protocol();
        this.fields = message.fields.map((f: Message) => ({ name: f.name, parse: parserOf(f.dataTypeID) }));
        break;
      }
      case "dataRow":
        this.rows.push(this.row(message.fields));
        break;
      case "commandComplete":
        this.rowCount = countOf(message.text);
        this.results.push(this.rows);
        this.rows = [];
        break;
      case "emptyQuery":
        this.results.push([]);
        break;
      case "parseComplete":
        this.parsing = undefined;
        break;
      case "error":
        this.failure = {
          message: message.message,
          code: message.code,
          lost: endsConnection(message),
          // The rows of the statements before the failing one that returned any (and its own).
          partial: [...this.results, this.rows].filter((rows) => rows.length > 0),
        };
        break;
      case "readyForQuery":
        this.done = true;
        return true;
    }
    return false;
  }

  /** The answer, once done without failure. */
  answered(): Answered {
    return { rows: this.results.at(-1) ?? [], rowCount: this.rowCount, results: this.results };
  }

  private row(values: (string | null)[]): unknown {
    const { fields } = this;
    if (this.arrays) return values.map((v, i) => (v === null ? null : (fields[i] as { parse: Parse }).parse(v)));
    const row: Record<string, unknown> = {};
    for (let i = 0; i < values.length; i++) {
      const field = fields[i] as { name: string; parse: Parse };
      const value = values[i] as string | null;
      row[field.name] = value === null ? null : field.parse(value);
    }
    return row;
  }
}

/** A parser of one connection's bytes into messages (a message may span chunks). */
export const createParser = () => new (protocol().Parser)();
