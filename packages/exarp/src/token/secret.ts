import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let crypto: typeof import("node:crypto") | undefined;

/** node:crypto, loaded on first use: loading it takes about 4 ms, which a read that checks no token never needs. */
const nodeCrypto = () => {
  crypto ??= require("node:crypto") as typeof import("node:crypto");
  return crypto;
};

/** What every secret looks like: `exarp_` and the base64url of 32 random bytes (43 characters). */
const SECRET_FORM = /^exarp_[A-Za-z0-9_-]{43}$/;

/** A new secret, shown once to whoever creates the token and never stored. */
export function newSecret(): string {
  return `exarp_${nodeCrypto().randomBytes(32).toString("base64url")}`;
}

/** True for a value shaped like a secret (anything else is refused before it is hashed). */
export function isSecretForm(value: unknown): value is string {
  return typeof value === "string" && SECRET_FORM.test(value);
}

/** The sha256 (hex) of a secret: all exarp keeps of it, and how it is looked up. */
export function secretHash(secret: string): string {
  return nodeCrypto().createHash("sha256").update(secret).digest("hex");
}
