/**
 * Typed reads of an action payload (the resolved field mapping), with Segment's cleaning of root
 * values: "" is absent, null is absent unless the field allows null. Values of the wrong type are
 * coerced as the built-in mapping coerces them (coerce.ts: numbers and booleans to text, numeric
 * text to numbers, "true"/"false" to booleans); a value that cannot be coerced is left out, where
 * Segment would fail the whole event. A required field that ends up absent fails the message.
 */
import { MappingFailure } from '../../segment/mapping-kit/errors.js';
import { asBoolean, asNumber, asObject, asString } from '../coerce.js';

export class Payload {
  constructor(private readonly values: Readonly<Record<string, unknown>>) {}

  private raw(name: string): unknown {
    return Object.hasOwn(this.values, name) ? this.values[name] : undefined;
  }

  string(name: string): string | undefined {
    return asString(this.raw(name));
  }

  /** A string field that allows null: null stays null. */
  nullableString(name: string): string | null | undefined {
    const value = this.raw(name);
    return value === null ? null : asString(value);
  }

  number(name: string): number | undefined {
    return asNumber(this.raw(name));
  }

  boolean(name: string): boolean | undefined {
    return asBoolean(this.raw(name));
  }

  /** A datetime field: a non-empty string or a number, read by the caller. */
  datetime(name: string): string | number | undefined {
    const value = this.raw(name);
    if (typeof value === 'number') return value;
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  object(name: string): Readonly<Record<string, unknown>> | undefined {
    return asObject(this.raw(name));
  }

  /** A `multiple` object field: an array as it is, a single object as a one-element array. */
  objects(name: string): readonly unknown[] | undefined {
    const value = this.raw(name);
    if (Array.isArray(value)) return value;
    return asObject(value) === undefined ? undefined : [value];
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new MappingFailure(`the required field "${name}" is missing`);
    return value;
  }

  requiredObject(name: string): Readonly<Record<string, unknown>> {
    const value = this.object(name);
    if (value === undefined)
      throw new MappingFailure(`the required field "${name}" is missing or not an object`);
    return value;
  }
}
