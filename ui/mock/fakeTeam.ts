// The fake's team databases (Settings → Team queue): a few PostgreSQL
// servers as "Test connection" would find them, the data folder's setting,
// the password "in the keyring", and which store the queue is on. The
// answers have the Rust side's shapes (bindings.ts); like the Rust side,
// nothing here ever answers the password back.
import type { CheckOutcome, ConnectionCheck, TeamInfo, TeamSetting } from "../src/bindings";
import { fail } from "./fakeStore";

/** A server's database as the fake knows it. */
export type FakeDatabase = { password: string; schema: number };

export const SCHEMA_SUPPORTED = 7;

export class FakeTeam {
  /** Databases by address without the password: `postgres://user@host:port/db`. */
  databases = new Map<string, FakeDatabase>([["postgres://ada@db.team.example:5432/genqueue", { password: "correct horse", schema: 0 }]]);
  setting: TeamSetting | null = null;
  /** The keyring's password. */
  password: string | null = null;
  /** The database the queue is on (its address), or null: the folder's own. */
  active: string | null = null;
  member: string | null = null;
  fromEnv = false;
  startError: string | null = null;
  /** Join/Leave calls: each reopened the queue. */
  reopened = 0;

  info(): TeamInfo {
    return {
      active: this.active,
      member: this.member,
      setting: this.setting ? { ...this.setting } : null,
      from_env: this.fromEnv,
      password_set: this.password !== null,
      default_member: "ada",
      machine: "ada-laptop",
      start_error: this.startError,
    };
  }

  check(url: string, typed: string | null | undefined): ConnectionCheck {
    const password = typed ? typed : this.password;
    const database = url.replace(/(:\/\/[^/@:]*):[^@]*@/, "$1@").split("?")[0];
    const outcome = this.outcome(url, database, password);
    return { database, outcome, message: `${database}: ${outcome.kind}` };
  }

  private outcome(url: string, database: string, password: string | null): CheckOutcome {
    if (!/^postgres(ql)?:\/\/[^/@]+@[^/]+\/\w+/.test(url)) return { kind: "bad_address", reason: "invalid connection string" };
    if (/nowhere|:1\//.test(url)) return { kind: "unreachable", reason: "error connecting to server: Connection refused (os error 111)" };
    if (/sslmode=require/.test(url)) return { kind: "tls", reason: "error performing TLS handshake: server does not support TLS" };
    const host = database.slice(0, database.lastIndexOf("/"));
    const known = [...this.databases.keys()].some((k) => k.startsWith(`${host}/`));
    if (!known) return { kind: "unreachable", reason: "error connecting to server: failed to lookup address information" };
    const db = this.databases.get(database);
    if (!db) return { kind: "no_database" };
    if (password === null) return { kind: "password_needed" };
    if (password !== db.password) return { kind: "bad_password" };
    if (db.schema > SCHEMA_SUPPORTED) return { kind: "too_new", found: db.schema, supported: SCHEMA_SUPPORTED };
    return { kind: "ready", schema: db.schema, supported: SCHEMA_SUPPORTED };
  }

  join(url: string, typed: string | null | undefined, member: string): TeamInfo {
    if (this.fromEnv) fail("invalid_state", "GENQUEUE_DATABASE_URL is set, so it chooses the database.");
    if (/:\/\/[^/@:]*:[^@]*@/.test(url)) fail("invalid_input", "the address holds a password: remove it from the address and type it in the password field");
    const found = this.check(url, typed);
    if (found.outcome.kind !== "ready") fail("store", found.message);
    if (typed) this.password = typed;
    this.setting = { database_url: url.trim(), member: member.trim() };
    this.databases.get(found.database)!.schema = SCHEMA_SUPPORTED;
    this.active = found.database;
    this.member = member.trim();
    this.startError = null;
    this.reopened += 1;
    return this.info();
  }

  leave(): TeamInfo {
    if (this.fromEnv) fail("invalid_state", "GENQUEUE_DATABASE_URL is set, so it chooses the database.");
    this.setting = null;
    this.password = null;
    this.active = null;
    this.member = null;
    this.reopened += 1;
    return this.info();
  }
}
