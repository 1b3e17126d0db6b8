/** argon2id password hashing (OWASP's parameters: m=19 MiB, t=2, p=1). */
import { hash, verify } from "@node-rs/argon2";

const OPTS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A real hash of nothing: verifying against it costs what a real check costs (no user-exists timing hint). */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword("mingfang-dummy-password-for-timing");
  return dummy;
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 200;
