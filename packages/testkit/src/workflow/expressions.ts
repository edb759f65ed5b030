/**
 * `${{ }}` evaluation with GitHub's own expression engine (`@actions/expressions`). The parser has
 * already turned `a ${{ x }} b` into `format('a {0} b', x)`; this module only supplies the
 * contexts and the status functions (success(), failure(), cancelled(), always()) the runner owns.
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { TemplateToken } from './parser.js';
import { isMapping, isSequence } from './parser.js';

type ExpressionData = data.ExpressionData;
type FunctionDefinition =
  NonNullable<ConstructorParameters<typeof Evaluator>[2]> extends Map<string, infer F> ? F : never;

/** What the status functions answer at this point of the run. */
export interface StatusFunctions {
  success: () => boolean;
  failure: () => boolean;
  cancelled: () => boolean;
}

/** A plain JSON-like value as the contexts hold it. */
export type ContextValue =
  string | number | boolean | null | ContextValue[] | { [key: string]: ContextValue };

export type Contexts = Record<string, ContextValue>;

/** An expression GitHub would fail the job on (a syntax error, an unknown function). */
export class ExpressionFailure extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(`The expression \`${expression}\` failed: ${message}`);
    this.name = 'ExpressionFailure';
  }
}

export function toExpressionData(value: ContextValue | undefined): ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as ExpressionData;
}

export function fromExpressionData(value: ExpressionData): ContextValue {
  return JSON.parse(JSON.stringify(value, data.replacer)) as ContextValue;
}

const booleanFunction = (name: string, answer: () => boolean): FunctionDefinition => ({
  name,
  minArgs: 0,
  maxArgs: 0,
  call: () => new data.BooleanData(answer()),
});

/**
 * Evaluates one expression (without `${{ }}`) against the contexts.
 *
 * @example
 * evaluate("inputs.env == 'prod' && success()", { inputs: { env: 'prod' } }, status); // true
 */
export function evaluate(expression: string, contexts: Contexts, status?: StatusFunctions): ContextValue {
  const functions = new Map<string, FunctionDefinition>([
    ['success', booleanFunction('success', status?.success ?? (() => true))],
    ['failure', booleanFunction('failure', status?.failure ?? (() => false))],
    ['cancelled', booleanFunction('cancelled', status?.cancelled ?? (() => false))],
    ['always', booleanFunction('always', () => true)],
    [
      'hashfiles',
      {
        name: 'hashFiles',
        minArgs: 1,
        maxArgs: 255,
        // hashFiles needs the workspace; the suite's workflows do not use it, so it answers ''.
        call: () => new data.StringData(''),
      },
    ],
  ]);
  try {
    const lexed = new Lexer(expression).lex();
    const tree = new Parser(
      lexed.tokens,
      Object.keys(contexts),
      [...functions.values()].map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs })),
    ).parse();
    const dictionary = new data.Dictionary(
      ...Object.entries(contexts).map(([key, value]) => ({ key, value: toExpressionData(value) })),
    );
    return fromExpressionData(new Evaluator(tree, dictionary, functions).evaluate());
  } catch (e) {
    throw new ExpressionFailure(expression, e instanceof Error ? e.message : String(e));
  }
}

/** GitHub's truthiness: false, 0, -0, '', null (and NaN) are falsy. */
export function truthy(value: ContextValue): boolean {
  if (value === null || value === false || value === '' || value === 0) return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  return true;
}

/** A value as GitHub coerces it into a string (an env var, an input). */
export function asString(value: ContextValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value, null, 2);
}

interface ScalarLike {
  value?: unknown;
  expression?: string;
}

/**
 * Evaluates a template token (a scalar, mapping or sequence of the parsed file) into plain values.
 * Expressions are evaluated; literals keep their type.
 */
export function evaluateToken(
  token: TemplateToken | undefined,
  contexts: Contexts,
  status?: StatusFunctions,
): ContextValue {
  if (!token) return null;
  if (isMapping(token)) {
    const out: Record<string, ContextValue> = {};
    for (const pair of token) {
      out[asString(evaluateToken(pair.key, contexts, status))] = evaluateToken(pair.value, contexts, status);
    }
    return out;
  }
  if (isSequence(token)) return [...token].map((t) => evaluateToken(t, contexts, status));
  const scalar = token as unknown as ScalarLike;
  if (token.isExpression && typeof scalar.expression === 'string')
    return evaluate(scalar.expression, contexts, status);
  if (scalar.value === undefined || scalar.value === null) return null;
  return scalar.value as ContextValue;
}

/** A mapping token evaluated into string values (env:, with:, outputs:). */
export function evaluateStringMap(
  token: TemplateToken | undefined,
  contexts: Contexts,
  status?: StatusFunctions,
): Record<string, string> {
  const value = evaluateToken(token, contexts, status);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asString(v)]));
}
