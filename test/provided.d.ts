// Values that test/global-setup.ts provides to every test file; read them with `inject("redisUrl")`.
declare module "vitest" {
  export interface ProvidedContext {
    /** The run's private Redis (one per `vitest run`); tests should use their own key prefix or db index. */
    redisUrl: string;
    /** An admin URL for PostgreSQL (create databases with test/pg.ts), or null when none is available. */
    pgUrl: string | null;
  }
}

export {};
