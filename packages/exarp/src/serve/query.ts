import { InvalidInput } from "../errors-catalog.ts";
import { checkField, type Field } from "../kernel/query.ts";
import { inline } from "../text/safe.ts";

/** How a query parameter reads: a comma-separated (or repeated) list, a whole number, or one text. */
export type ParamKind = "list" | "int" | "text";

/** A query parameter: the service field it fills, how it reads, and the field's own check. */
export type Param = { key: string; kind: ParamKind; field: Field<unknown> };

const invalid = (path: string, message: string) =>
  new InvalidInput({ issues: [`${path}: ${message}`], fields: [{ path, message }] });

function read(name: string, kind: ParamKind, values: string[]): unknown {
  if (kind === "list") {
    const items = values.flatMap((v) => v.split(",")).map((v) => v.trim());
    if (items.some((item) => item === "")) throw invalid(name, "has an empty item");
    return items;
  }
  if (values.length > 1) throw invalid(name, "is given more than once; give it once");
  const value = values[0] as string;
  if (kind === "text") return value;
  if (!/^\d{1,16}$/.test(value)) throw invalid(name, "must be a whole number");
  return Number(value);
}

/**
 * A read's filter from the URL's query, checked parameter by parameter with the service's own
 * field rules and named as the URL names them; an unknown parameter is refused.
 */
export function readQuery(search: URLSearchParams, params: Record<string, Param>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of new Set(search.keys())) {
    const param = Object.hasOwn(params, name) ? params[name] : undefined;
    if (!param) {
      const known = Object.keys(params);
      throw invalid(
        inline(name, 40),
        `unknown query parameter; ${known.length ? `the parameters are ${known.join(", ")}` : "this route takes none"}`,
      );
    }
    out[param.key] = checkField(param.field, read(name, param.kind, search.getAll(name)), name);
  }
  return out;
}
