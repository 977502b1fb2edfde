// People on the fake's team database (issue #15), as the Rust side's
// queue/people.rs: whose generations are "one's own", the message a bulk
// action gives for another member's, the members present, and the files a
// machine fetches from the database when a list shows them.
import type { Creator, Scope } from "../src/bindings";

/** The fake archive's rows are all the fake user's. */
export const ARCHIVE_MEMBER = "ada";

/** Whether a generation by `creator` is one's own: always on the folder's own queue (`own` null). */
export function isOwnOf(creator: Creator, own: string | null): boolean {
  return own === null || creator.member === own;
}

/** Whether `scope` lets the user act on a generation by `creator`. */
export function inScope(creator: Creator, own: string | null, scope: Scope | null | undefined): boolean {
  return scope === "everyone" || isOwnOf(creator, own);
}

/** As QueueError::NotOwn's sentence. */
export function notOwnMessage(creator: Creator): string {
  return `this generation is not yours (created by ${creator.member ?? "nobody recorded"}); choose "everyone's" to act on it`;
}

/** The members present (the archive's included), sorted, as history_members. */
export function membersOf(creators: Iterable<Creator>, archive: boolean): string[] {
  const members = new Set<string>();
  for (const c of creators) if (c.member) members.add(c.member);
  if (archive) members.add(ARCHIVE_MEMBER);
  return [...members].sort();
}
