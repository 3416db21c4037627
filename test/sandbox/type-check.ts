import { fileURLToPath } from "node:url";
import ts from "typescript";

// A runtime check of a JSON value against one of stripe-node's types, read from its .d.ts files
// by the TypeScript compiler: every required field present, and every value (recursively, to a
// few levels) of a kind the type allows, enum strings included. `tsc` can only check what code
// names; this checks what the sandbox actually sent.

const PROBE = fileURLToPath(new URL("./stripe-types.probe.ts", import.meta.url));

export class TypeChecker {
  private readonly checker: ts.TypeChecker;
  private readonly probe: ts.Type;
  private readonly node: ts.Node;

  constructor() {
    const program = ts.createProgram([PROBE], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      skipLibCheck: true,
      types: ["node"],
    });
    this.checker = program.getTypeChecker();
    const file = program.getSourceFile(PROBE);
    const alias = file?.statements.find(ts.isTypeAliasDeclaration);
    if (!alias) throw new Error("stripe-types.probe.ts has no Probe type");
    this.node = alias;
    this.probe = this.checker.getTypeAtLocation(alias);
  }

  /** Problems of `value` as the type named `kind` in Probe ([] when it conforms). */
  check(kind: string, value: unknown): string[] {
    const symbol = this.probe.getProperty(kind);
    if (!symbol) throw new Error(`Probe has no type for ${kind}`);
    const problems: string[] = [];
    this.visit(this.checker.getTypeOfSymbolAtLocation(symbol, this.node), value, kind, 0, problems);
    return problems;
  }

  private visit(type: ts.Type, value: unknown, path: string, depth: number, problems: string[]): void {
    const fails = this.accepts(type, value, path, depth);
    if (fails !== null) problems.push(...fails);
  }

  /** null when the type accepts the value; otherwise the problems of the closest alternative. */
  private accepts(type: ts.Type, value: unknown, path: string, depth: number): string[] | null {
    const c = this.checker;
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return null;
    if (type.isUnion()) {
      // Events are a union told apart by `type`: check against the member of that type only.
      const byTag = this.discriminated(type, value);
      const members = byTag ? [byTag] : type.types;
      let best: string[] | null = null;
      for (const member of members) {
        const fails = this.accepts(member, value, path, depth);
        if (fails === null) return null;
        if (best === null || fails.length < best.length) best = fails;
      }
      return best ?? [`${path}: no type accepts ${JSON.stringify(value)}`];
    }
    // stripe-node's open enums are `string & Record<never, never>`: any string.
    if (type.isIntersection() && type.types.some((t) => t.flags & ts.TypeFlags.String)) return typeof value === "string" ? null : [`${path}: ${JSON.stringify(value)} is not a string`];
    const wrong = [`${path}: ${((JSON.stringify(value) as string | undefined) ?? "undefined").slice(0, 60)} is not ${c.typeToString(type).slice(0, 80)}`];
    if (value === null) return type.flags & ts.TypeFlags.Null ? null : wrong;
    if (value === undefined) return type.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void) ? null : wrong;
    if (type.isStringLiteral()) return value === type.value ? null : wrong;
    if (type.isNumberLiteral()) return value === type.value ? null : wrong;
    if (type.flags & ts.TypeFlags.BooleanLiteral) return typeof value === "boolean" && String(value) === c.typeToString(type) ? null : wrong;
    if (type.flags & ts.TypeFlags.String) return typeof value === "string" ? null : wrong;
    if (type.flags & ts.TypeFlags.Number) return typeof value === "number" ? null : wrong;
    if (type.flags & ts.TypeFlags.Boolean) return typeof value === "boolean" ? null : wrong;
    if (!(type.flags & ts.TypeFlags.Object)) return wrong;
    if (typeof value !== "object") return wrong;
    if (c.isArrayType(type)) {
      if (!Array.isArray(value)) return wrong;
      const element = c.getTypeArguments(type as ts.TypeReference)[0];
      const problems: string[] = [];
      if (depth < 6) value.forEach((v, i) => this.visit(element, v, `${path}[${i}]`, depth + 1, problems));
      return problems.length ? problems : null;
    }
    if (Array.isArray(value)) return wrong;
    const problems: string[] = [];
    const record = value as Record<string, unknown>;
    for (const property of type.getProperties()) {
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
      const v = record[property.name];
      if (v === undefined) {
        if (!optional) problems.push(`${path}.${property.name}: missing`);
        continue;
      }
      if (depth < 6) this.visit(c.getTypeOfSymbolAtLocation(property, this.node), v, `${path}.${property.name}`, depth + 1, problems);
    }
    return problems.length ? problems : null;
  }

  private discriminated(type: ts.UnionType, value: unknown): ts.Type | null {
    if (typeof value !== "object" || value === null || typeof (value as { type?: unknown }).type !== "string") return null;
    const tag = (value as { type: string }).type;
    for (const member of type.types) {
      const prop = member.getProperty("type");
      if (!prop) return null;
      const t = this.checker.getTypeOfSymbolAtLocation(prop, this.node);
      if (t.isStringLiteral() && t.value === tag && member.getProperty("data")) return member;
    }
    return null;
  }
}
