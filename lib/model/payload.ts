/** Point payloads and how a caller selects them; Qdrant's JSON shapes, passed through every layer unchanged. */

/** A point's payload: a JSON object (keys may be nested paths when filtered, see lib/segment/payload-path.ts). */
export type Payload = Record<string, unknown>;

/** with_payload: true/false, a list of keys to include, or {include}/{exclude} */
export type WithPayload = boolean | string[] | { include?: string[]; exclude?: string[] };
