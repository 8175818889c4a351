/**
 * Rich (boolean) dependencies, as rpm 4.13+ writes them and dnf (libsolv) resolves them:
 * `(A and B)`, `(A or B)`, `(A if B [else C])`, `(A unless B [else C])`, `(A with B)`,
 * `(A without B)`, nested with parentheses, each leaf a plain dependency `name [op evr]`
 * (op one of `<`, `<=`, `=`, `==`, `>=`, `>`). In primary.xml a rich dependency is an entry
 * whose `name` is the whole expression and which has no flags (createrepo_c keeps the header
 * string as it is). Grammar: rpm `lib/rpmds.c` `rpmrichParse`; operators of one level must
 * all be the same, except that `if`/`unless` take exactly one `else`.
 */
import { type Dependency, parseEvr } from '../formats/format.ts';

/** A parsed rich dependency: a leaf, or an operator over its operands. */
export type RichDep =
  | { op: 'leaf'; dep: Dependency }
  | { op: 'and' | 'or' | 'with' | 'without'; args: RichDep[] }
  | { op: 'if' | 'unless'; then: RichDep; cond: RichDep; else?: RichDep };

const OPS = new Set(['and', 'or', 'if', 'unless', 'with', 'without', 'else']);
const FLAGS: Record<string, string> = { '<': 'LT', '<=': 'LE', '=': 'EQ', '==': 'EQ', '>=': 'GE', '>': 'GT' };

/** True for a dependency name that is a rich expression (starts with `(`). */
export const isRich = (name: string) => name.startsWith('(');

function tokens(text: string): string[] {
  return text.replace(/([()])/g, ' $1 ').trim().split(/\s+/).filter(Boolean);
}

/**
 * Parses a rich dependency string. Throws an Error naming the expression when it is not
 * well formed (unbalanced parentheses, unknown or mixed operators, a missing operand).
 */
export function parseRich(text: string): RichDep {
  const t = tokens(text);
  let i = 0;
  const fail = (why: string): never => { throw new Error(`rich dependency ${JSON.stringify(text)}: ${why}`); };
  const operand = (): RichDep => {
    if (t[i] === '(') return group();
    const name = t[i++];
    if (!name || OPS.has(name) || name === ')') fail('operand expected');
    const flags = FLAGS[t[i] ?? ''];
    if (!flags) return { op: 'leaf', dep: { name: name! } };
    i++;
    const evr = t[i++];
    if (!evr || evr === ')') fail(`version expected after ${name}`);
    return { op: 'leaf', dep: { name: name!, flags, ...parseEvr(evr!) } };
  };
  const group = (): RichDep => {
    i++; // '('
    const first = operand();
    if (t[i] === ')') { i++; return first; }
    const op = t[i];
    if (!op || !OPS.has(op) || op === 'else') fail(`operator expected, found ${op ?? 'the end'}`);
    if (op === 'if' || op === 'unless') {
      i++;
      const cond = operand();
      let otherwise: RichDep | undefined;
      if (t[i] === 'else') { i++; otherwise = operand(); }
      if (t[i++] !== ')') fail('")" expected');
      return { op, then: first, cond, ...(otherwise ? { else: otherwise } : {}) };
    }
    const args = [first];
    while (t[i] === op) { i++; args.push(operand()); }
    if (t[i++] !== ')') fail(`")" expected after ${op} operands`);
    return { op: op as 'and' | 'or' | 'with' | 'without', args };
  };
  if (t[0] !== '(') fail('a rich dependency starts with "("');
  const out = group();
  if (i !== t.length) fail('text after the closing ")"');
  return out;
}
