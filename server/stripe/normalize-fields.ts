// Reading fields out of a Stripe object we did not type-check as a whole. Stripe adds fields
// and enum values without notice and renders ids or expanded objects depending on the request,
// so each reader says exactly what it accepts and throws MalformedField, naming the field's
// path, when a field Icodrip needs is not that. Keys are checked against stripe-node's type of
// the object (T); fields that the current API version removed are read through legacy().

export class MalformedField extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`${path} should be ${expected} but is ${describe(got)}`);
    this.name = "MalformedField";
  }
}

/** A value as a person would want to see it in a log line: short, typed, never the whole object. */
export function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  return typeof value; // a symbol or a function: never in parsed JSON
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

type Key<T> = Extract<keyof T, string>;
// A nested field's own type, or any object when the parent is untyped (legacy fields).
type Nested<V> = unknown extends V ? Record<string, unknown> : NonNullable<V>;

export class Fields<T = Record<string, unknown>> {
  private constructor(
    private readonly value: Record<string, unknown>,
    readonly path: string,
  ) {}

  static of<T>(value: unknown, path: string): Fields<T> {
    if (!isRecord(value)) throw new MalformedField(path, "an object", value);
    return new Fields<T>(value, path);
  }

  /** The same object, for keys stripe-node's current types no longer list (older API versions). */
  legacy(): Fields {
    return new Fields(this.value, this.path);
  }

  private at(key: string): string {
    return `${this.path}.${key}`;
  }

  string(key: Key<T>): string {
    const v = this.value[key];
    if (typeof v !== "string" || v === "") throw new MalformedField(this.at(key), "a non-empty string", v);
    return v;
  }

  /** Absent and null both mean "not set"; an empty string does too, as Stripe never sends one for an id or email. */
  optString(key: Key<T>): string | null {
    const v = this.value[key];
    if (v === undefined || v === null || v === "") return null;
    if (typeof v !== "string") throw new MalformedField(this.at(key), "a string or null", v);
    return v;
  }

  /** An amount or a timestamp: a whole number, 0 or more. */
  count(key: Key<T>): number {
    const v = this.value[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new MalformedField(this.at(key), "a whole number of 0 or more", v);
    return v;
  }

  optCount(key: Key<T>): number | null {
    const v = this.value[key];
    return v === undefined || v === null ? null : this.count(key);
  }

  optBool(key: Key<T>): boolean | null {
    const v = this.value[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== "boolean") throw new MalformedField(this.at(key), "true or false", v);
    return v;
  }

  /** An expandable reference: Stripe sends the id, or the whole object when it was expanded. */
  ref(key: Key<T>): string | null {
    const v = this.value[key];
    if (v === undefined || v === null) return null;
    if (typeof v === "string" && v !== "") return v;
    if (isRecord(v) && typeof v.id === "string" && v.id !== "") return v.id;
    throw new MalformedField(this.at(key), "an id or an object with an id", v);
  }

  requiredRef(key: Key<T>): string {
    const id = this.ref(key);
    if (id === null) throw new MalformedField(this.at(key), "an id or an object with an id", this.value[key]);
    return id;
  }

  /** Whether the field is rendered at all (present and not null): tells API version shapes apart. */
  has(key: Key<T>): boolean {
    const v = this.value[key];
    return v !== undefined && v !== null;
  }

  /** An expandable reference's object when Stripe sent it expanded; null for a bare id or nothing. */
  expanded<K extends Key<T>>(key: K): Fields<Nested<T[K]>> | null {
    const v = this.value[key];
    return isRecord(v) ? Fields.of<Nested<T[K]>>(v, this.at(key)) : null;
  }

  /** A nested object, or null when absent or null. */
  object<K extends Key<T>>(key: K): Fields<Nested<T[K]>> | null {
    const v = this.value[key];
    return v === undefined || v === null ? null : Fields.of<Nested<T[K]>>(v, this.at(key));
  }

  /** A Stripe list ({data: [...]}) or a plain array, as objects; absent or null is empty. */
  list<E = Record<string, unknown>>(key: Key<T>): Fields<E>[] {
    const v = this.value[key];
    if (v === undefined || v === null) return [];
    const items = isRecord(v) ? v.data : v;
    const path = isRecord(v) ? `${this.at(key)}.data` : this.at(key);
    if (!Array.isArray(items)) throw new MalformedField(path, "a list", items);
    return items.map((item, i) => Fields.of<E>(item, `${path}[${i}]`));
  }

  /** A list of expandable references (Invoice.discounts): each a bare id, or its object when expanded. */
  refList<E = Record<string, unknown>>(key: Key<T>): (string | Fields<E>)[] {
    const v = this.value[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new MalformedField(this.at(key), "a list", v);
    return v.map((item, i) => {
      if (typeof item === "string" && item !== "") return item;
      return Fields.of<E>(item, `${this.at(key)}[${i}]`);
    });
  }

  /** One value of a metadata hash; metadata values are strings, anything else counts as unset. */
  metadata(key: Key<T>, name: string): string | null {
    const v = this.value[key];
    if (v === undefined || v === null) return null;
    if (!isRecord(v)) throw new MalformedField(this.at(key), "an object of strings", v);
    const entry = v[name];
    return typeof entry === "string" && entry.trim() !== "" ? entry.trim() : null;
  }
}
