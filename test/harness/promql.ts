/**
 * Static checks of a PromQL expression against the metric universe, with the grammar Prometheus'
 * own UI uses (@prometheus-io/lezer-promql). Beyond syntax it infers the labels each
 * sub-expression carries, which catches the mistakes a query "works" with yet returns nothing:
 * an unknown metric, a matcher or `by (...)` on a label the metric does not have, a one-to-one
 * match of two sides with different label sets (a ratio that is always empty), rate() of a gauge,
 * and an `le` matched literally (Prometheus 3 writes le="30.0").
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import type { MetricUniverse } from './metric-universe.js';

export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface SelectorUse {
  readonly metric: string | undefined;
  readonly matchers: readonly Matcher[];
}

export interface PromQLAnalysis {
  readonly selectors: readonly SelectorUse[];
  /** Labels of the result, 'scalar', or 'unknown' when inference gave up. */
  readonly labels: ReadonlySet<string> | 'scalar' | 'unknown';
  readonly problems: readonly string[];
}

type Labels = ReadonlySet<string> | 'scalar' | 'unknown';

const COUNTER_FUNCTIONS = new Set(['Rate', 'Irate', 'Increase', 'Resets']);
const SCALAR_FUNCTIONS = new Set(['Time', 'Pi', 'Scalar']);
const EXPRESSION_NODES = new Set([
  'AggregateExpr',
  'BinaryExpr',
  'FunctionCall',
  'MatrixSelector',
  'NumberDurationLiteral',
  'OffsetExpr',
  'ParenExpr',
  'StepInvariantExpr',
  'StringLiteral',
  'SubqueryExpr',
  'UnaryExpr',
  'VectorSelector',
]);

const isSet = (l: Labels): l is ReadonlySet<string> => l !== 'scalar' && l !== 'unknown';
const show = (l: ReadonlySet<string>): string => `{${[...l].sort().join(', ')}}`;

export function analysePromQL(expr: string, universe: MetricUniverse): PromQLAnalysis {
  const problems: string[] = [];
  const selectors: SelectorUse[] = [];
  const tree = parser.parse(expr);
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) {
        problems.push(`syntax error at ${node.from}: …${expr.slice(node.from, node.from + 30)}`);
      }
    },
  });
  if (problems.length > 0) return { selectors, labels: 'unknown', problems };

  const text = (node: SyntaxNode): string => expr.slice(node.from, node.to);
  const children = (node: SyntaxNode): SyntaxNode[] => {
    const out: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  };
  const expressions = (node: SyntaxNode): SyntaxNode[] =>
    children(node).filter((c) => EXPRESSION_NODES.has(c.name));
  const groupingLabels = (node: SyntaxNode | null): string[] =>
    node ? node.getChildren('LabelName').map(text) : [];
  const stringValue = (node: SyntaxNode): string => {
    const raw = text(node);
    if (raw.startsWith('"')) {
      try {
        return JSON.parse(raw) as string;
      } catch {
        return raw.slice(1, -1);
      }
    }
    return raw.slice(1, -1);
  };

  function selector(node: SyntaxNode): Labels {
    const nameNode = node.getChild('Identifier');
    const metric = nameNode ? text(nameNode) : undefined;
    const matchers: Matcher[] = [];
    for (const m of node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
      const label = text(m.getChild('LabelName') as SyntaxNode);
      const op = text(m.getChild('MatchOp') as SyntaxNode) as Matcher['op'];
      matchers.push({ label, op, value: stringValue(m.getChild('StringLiteral') as SyntaxNode) });
    }
    if (node.getChild('LabelMatchers')?.getChild('QuotedLabelMatcher')) {
      problems.push(`${text(node)}: quoted label names need Prometheus 3; CI runs 2.42`);
    }
    selectors.push({ metric, matchers });
    if (metric === undefined) {
      problems.push(`${text(node)}: select metrics by name, not by __name__ matchers`);
      return 'unknown';
    }
    const known = universe.get(metric);
    if (!known) {
      problems.push(`unknown metric ${metric}`);
      return 'unknown';
    }
    for (const m of matchers) {
      if (!known.labels.has(m.label)) {
        problems.push(`${metric} has no label "${m.label}" (it has ${show(known.labels)})`);
      }
      if (m.label === 'le' && (m.op === '=' || m.op === '!=')) {
        problems.push(
          `${metric}{le${m.op}"${m.value}"}: match le with a regex such as le=~"30(\\\\.0)?" (Prometheus 3 writes "30.0")`,
        );
      }
    }
    return known.labels;
  }

  function counterArgument(fn: string, arg: SyntaxNode | undefined): void {
    if (!arg || arg.name !== 'MatrixSelector') return;
    const vector = arg.getChild('VectorSelector');
    const name = vector?.getChild('Identifier');
    if (!name) return;
    const metric = universe.get(text(name));
    if (metric && metric.type === 'gauge') {
      problems.push(`${fn.toLowerCase()}() of the gauge ${metric.name}: use deriv() or delta()`);
    }
  }

  function call(node: SyntaxNode): Labels {
    const fn = node.getChild('FunctionIdentifier')?.firstChild?.name ?? '';
    const args = expressions(node.getChild('FunctionCallBody') as SyntaxNode);
    const labels = args.map(labelsOf);
    if (COUNTER_FUNCTIONS.has(fn)) counterArgument(fn, args[0]);
    if (SCALAR_FUNCTIONS.has(fn)) return 'scalar';
    switch (fn) {
      case 'Vector':
      case 'Absent':
      case 'AbsentOverTime':
        return new Set();
      case 'HistogramQuantile': {
        const input = labels[1] ?? 'unknown';
        if (!isSet(input)) return input;
        if (!input.has('le')) problems.push(`histogram_quantile() over ${show(input)}: no "le"`);
        return new Set([...input].filter((l) => l !== 'le'));
      }
      case 'LabelReplace':
      case 'LabelJoin': {
        const input = labels[0] ?? 'unknown';
        const target = args[1];
        return isSet(input) && target ? new Set([...input, stringValue(target)]) : input;
      }
      default:
        return labels.find((l) => l !== 'scalar') ?? 'scalar';
    }
  }

  function aggregate(node: SyntaxNode): Labels {
    const op = node.getChild('AggregateOp')?.firstChild?.name ?? '';
    const args = expressions(node.getChild('FunctionCallBody') as SyntaxNode);
    const vector = args[args.length - 1];
    const input = vector ? labelsOf(vector) : 'unknown';
    if (args.length > 1) labelsOf(args[0] as SyntaxNode);
    const modifier = node.getChild('AggregateModifier');
    const grouping = groupingLabels(modifier?.getChild('GroupingLabels') ?? null);
    const by = modifier?.getChild('By') !== null && modifier !== null;
    if (isSet(input)) {
      for (const l of grouping) {
        if (!input.has(l))
          problems.push(`${by ? 'by' : 'without'} (${l}): not a label of ${show(input)}`);
      }
    }
    if (op === 'Topk' || op === 'Bottomk' || op === 'LimitK' || op === 'LimitRatio') return input;
    let out: Labels;
    if (!modifier) out = new Set();
    else if (by) out = new Set(grouping);
    else out = isSet(input) ? new Set([...input].filter((l) => !grouping.includes(l))) : input;
    if (op === 'CountValues' && isSet(out) && args[0])
      out = new Set([...out, stringValue(args[0])]);
    return out;
  }

  function binary(node: SyntaxNode): Labels {
    const [lhsNode, rhsNode] = expressions(node);
    const lhs = lhsNode ? labelsOf(lhsNode) : 'unknown';
    const rhs = rhsNode ? labelsOf(rhsNode) : 'unknown';
    if (lhs === 'scalar') return rhs;
    if (rhs === 'scalar') return lhs;
    const setOp = ['And', 'Or', 'Unless'].find((n) => node.getChild(n));
    const clause = node.getChild('MatchingModifierClause');
    const [matchNode, includeNode] = clause?.getChildren('GroupingLabels') ?? [];
    const matchLabels = groupingLabels(matchNode ?? null);
    const include = groupingLabels(includeNode ?? null);
    const on = clause?.getChild('On') !== null && clause !== null;
    const where = text(node).slice(0, 60);
    if (isSet(lhs) && isSet(rhs)) {
      if (on) {
        for (const l of matchLabels) {
          if (!lhs.has(l) || !rhs.has(l)) {
            problems.push(
              `on (${l}) in "${where}…": missing on ${!lhs.has(l) ? 'the left' : 'the right'}`,
            );
          }
        }
      } else if (setOp !== 'Or' && !clause && show(lhs) !== show(rhs)) {
        problems.push(
          `"${where}…" matches ${show(lhs)} with ${show(rhs)} one-to-one: the label sets differ, so it is always empty; use on (...)`,
        );
      }
    }
    if (setOp === 'Or') return isSet(lhs) && isSet(rhs) ? new Set([...lhs, ...rhs]) : 'unknown';
    if (setOp) return lhs;
    if (clause?.getChild('GroupLeft')) return isSet(lhs) ? new Set([...lhs, ...include]) : lhs;
    if (clause?.getChild('GroupRight')) return isSet(rhs) ? new Set([...rhs, ...include]) : rhs;
    if (on) return new Set(matchLabels);
    if (clause && isSet(lhs)) return new Set([...lhs].filter((l) => !matchLabels.includes(l)));
    return lhs;
  }

  function labelsOf(node: SyntaxNode): Labels {
    switch (node.name) {
      case 'NumberDurationLiteral':
      case 'StringLiteral':
        return 'scalar';
      case 'VectorSelector':
        return selector(node);
      case 'FunctionCall':
        return call(node);
      case 'AggregateExpr':
        return aggregate(node);
      case 'BinaryExpr':
        return binary(node);
      default: {
        // PromQL, ParenExpr, UnaryExpr, MatrixSelector, SubqueryExpr, OffsetExpr, StepInvariantExpr
        const inner = expressions(node)[0];
        return inner ? labelsOf(inner) : 'unknown';
      }
    }
  }

  const labels = labelsOf(tree.topNode);
  return { selectors, labels, problems };
}
