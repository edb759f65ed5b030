/**
 * A small evaluator of GitHub Actions expressions, for the job-level `if:` conditions of the
 * workflows: literals (strings, numbers, true/false/null), `needs.<job>.result`,
 * `needs.<job>.outputs.<name>`, `needs.*.result`, `inputs.<name>`, `!`, `==`, `!=`, `&&`, `||`,
 * parentheses, and the functions `always()`, `success()`, `failure()`, `cancelled()`,
 * `contains()`, `startsWith()`.
 *
 * Semantics from GitHub's "Evaluate expressions in workflows and actions": `&&`/`||` return an
 * operand (not a boolean), `==` on strings ignores case, a missing property is null, and a job
 * condition without a status function is `success() && (…)`. For a job, `success()` is true
 * when no job it needs failed or was cancelled and the run was not cancelled, `failure()` when
 * one of them failed, and `cancelled()` when the run was cancelled.
 */

export type Value = string | number | boolean | null | Value[];

export interface JobContext {
  /** The result and outputs of each job this one needs (results: success, failure, cancelled, skipped). */
  needs: Record<string, { result: string; outputs?: Record<string, string> }>;
  /** Whether the workflow run was cancelled. */
  runCancelled?: boolean;
  inputs?: Record<string, Value>;
}

type Token = { kind: 'str' | 'num' | 'id' | 'op' | 'paren' | 'comma'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let j = i + 1;
      let s = '';
      while (j < text.length) {
        if (text[j] === "'" && text[j + 1] === "'") {
          s += "'";
          j += 2;
        } else if (text[j] === "'") break;
        else s += text[j++];
      }
      tokens.push({ kind: 'str', text: s });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9.]+/.exec(text.slice(i))?.[0] ?? c;
      tokens.push({ kind: 'num', text: m });
      i += m.length;
    } else if (/[A-Za-z_*]/.test(c)) {
      const m = /^[A-Za-z_*][\w.*-]*/.exec(text.slice(i))?.[0] ?? c;
      tokens.push({ kind: 'id', text: m });
      i += m.length;
    } else if (['==', '!=', '&&', '||', '<=', '>='].includes(text.slice(i, i + 2))) {
      tokens.push({ kind: 'op', text: text.slice(i, i + 2) });
      i += 2;
    } else if (c === '!' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c });
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', text: c });
      i++;
    } else if (c === ',') {
      tokens.push({ kind: 'comma', text: c });
      i++;
    } else throw new Error(`unexpected '${c}' in ${text}`);
  }
  return tokens;
}

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'ref'; path: string }
  | { t: 'not'; e: Node }
  | { t: 'bin'; op: string; l: Node; r: Node }
  | { t: 'call'; name: string; args: Node[] };

function parse(text: string): Node {
  const tokens = tokenize(text);
  let p = 0;
  const peek = () => tokens[p];
  const take = () => tokens[p++];
  const expect = (text: string) => {
    const t = take();
    if (t?.text !== text) throw new Error(`expected '${text}' in ${text}`);
  };
  const primary = (): Node => {
    const t = take();
    if (!t) throw new Error(`unexpected end of ${text}`);
    if (t.kind === 'str') return { t: 'lit', v: t.text };
    if (t.kind === 'num') return { t: 'lit', v: Number(t.text) };
    if (t.kind === 'op' && t.text === '!') return { t: 'not', e: primary() };
    if (t.kind === 'paren' && t.text === '(') {
      const e = or();
      expect(')');
      return e;
    }
    if (t.kind === 'id') {
      if (t.text === 'true' || t.text === 'false') return { t: 'lit', v: t.text === 'true' };
      if (t.text === 'null') return { t: 'lit', v: null };
      if (peek()?.text === '(') {
        take();
        const args: Node[] = [];
        while (peek()?.text !== ')') {
          args.push(or());
          if (peek()?.kind === 'comma') take();
        }
        expect(')');
        return { t: 'call', name: t.text.toLowerCase(), args };
      }
      return { t: 'ref', path: t.text };
    }
    throw new Error(`unexpected '${t.text}' in ${text}`);
  };
  const comparison = (): Node => {
    let l = primary();
    while (peek()?.kind === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(peek()?.text ?? '')) {
      const op = take()?.text ?? '';
      l = { t: 'bin', op, l, r: primary() };
    }
    return l;
  };
  const and = (): Node => {
    let l = comparison();
    while (peek()?.text === '&&') {
      take();
      l = { t: 'bin', op: '&&', l, r: comparison() };
    }
    return l;
  };
  const or = (): Node => {
    let l = and();
    while (peek()?.text === '||') {
      take();
      l = { t: 'bin', op: '||', l, r: and() };
    }
    return l;
  };
  const node = or();
  if (p !== tokens.length) throw new Error(`trailing '${tokens[p]?.text}' in ${text}`);
  return node;
}

const truthy = (v: Value): boolean => !(v === null || v === false || v === 0 || v === '' || Number.isNaN(v));
const loose = (v: Value) => (typeof v === 'string' ? v.toLowerCase() : v);

function usesStatusFunction(node: Node): boolean {
  if (node.t === 'call' && ['always', 'success', 'failure', 'cancelled'].includes(node.name)) return true;
  if (node.t === 'not') return usesStatusFunction(node.e);
  if (node.t === 'bin') return usesStatusFunction(node.l) || usesStatusFunction(node.r);
  if (node.t === 'call') return node.args.some(usesStatusFunction);
  return false;
}

/** Evaluates a job's `if:` (with or without `${{ }}`) for the given needs; true when the job runs. */
export function jobRuns(condition: string | undefined, ctx: JobContext): boolean {
  const text = (condition ?? 'success()').trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const tree = parse(text);
  const results = Object.values(ctx.needs).map((n) => n.result);
  const status = {
    // A job whose need was skipped or cancelled is skipped unless a status function says otherwise.
    success: !ctx.runCancelled && results.every((r) => r === 'success'),
    failure: results.includes('failure'),
    cancelled: !!ctx.runCancelled,
  };
  const resolve = (path: string): Value => {
    const parts = path.split('.');
    if (parts[0] === 'needs') {
      if (parts[1] === '*')
        return Object.values(ctx.needs).map((n) => (parts[2] === 'result' ? n.result : null));
      const need = ctx.needs[parts[1] ?? ''];
      if (!need) return null;
      if (parts[2] === 'result') return need.result;
      if (parts[2] === 'outputs') return need.outputs?.[parts[3] ?? ''] ?? '';
      return null;
    }
    if (parts[0] === 'inputs') return ctx.inputs?.[parts[1] ?? ''] ?? null;
    throw new Error(`unknown context in ${path}`);
  };
  const evaluate = (node: Node): Value => {
    switch (node.t) {
      case 'lit':
        return node.v;
      case 'ref':
        return resolve(node.path);
      case 'not':
        return !truthy(evaluate(node.e));
      case 'bin': {
        if (node.op === '&&') {
          const l = evaluate(node.l);
          return truthy(l) ? evaluate(node.r) : l;
        }
        if (node.op === '||') {
          const l = evaluate(node.l);
          return truthy(l) ? l : evaluate(node.r);
        }
        const l = loose(evaluate(node.l));
        const r = loose(evaluate(node.r));
        if (node.op === '==') return l === r;
        if (node.op === '!=') return l !== r;
        throw new Error(`operator ${node.op} is not needed here`);
      }
      case 'call': {
        const args = node.args.map(evaluate);
        if (node.name === 'always') return true;
        if (node.name === 'success') return status.success;
        if (node.name === 'failure') return status.failure;
        if (node.name === 'cancelled') return status.cancelled;
        if (node.name === 'contains') {
          const [hay, needle] = args;
          if (Array.isArray(hay)) return hay.some((x) => loose(x) === loose(needle ?? null));
          return String(hay ?? '')
            .toLowerCase()
            .includes(String(needle ?? '').toLowerCase());
        }
        if (node.name === 'startswith')
          return String(args[0] ?? '')
            .toLowerCase()
            .startsWith(String(args[1] ?? '').toLowerCase());
        throw new Error(`function ${node.name} is not needed here`);
      }
    }
  };
  const value = evaluate(tree);
  return usesStatusFunction(tree) ? truthy(value) : status.success && truthy(value);
}
