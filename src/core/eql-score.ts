import {
  type Counts,
  levelPhrase,
  SIGNAL_LEVELS,
  SIGNALS,
  type Signal,
  type SignalCell,
  type SignalLevels,
} from './calibration.ts';

// The EQL score (PRODUCT.md section 12): how likely an EQL is to reach opportunity, to PRIORITISE work (reps'
// queues sort by it); it never gates anything. Two estimators, both fitted on the program's own judged EQLs:
//
// - The prior, transparent: the smoothed opportunity rate of the lead's warmth strength,
//   (opportunities + m·p̄) / (n + m), p̄ the overall rate and m = `priorWeight` pseudo-leads.
// - The model: L2-regularised logistic regression over every signal (one-hot levels, intercept not
//   penalised), fitted by Newton's method on the grouped cells (every lead of a cell has the same features,
//   so a cell of n leads with k opportunities counts as k ones and n−k zeros).
//
// Held-out evaluation is time-ordered: both are fitted on the older share of the leads and judged on the
// newest (AUC, Brier score, a calibration table). The model is shown only while it beats the prior on that
// held-out data (lower Brier score and higher AUC); it is then refitted on every lead.

export interface ScoreSettings {
  /** Judged EQLs needed before a model is fitted. */
  minOutcomes: number;
  /** L2 penalty λ on the coefficients. */
  l2: number;
  /** Pseudo-leads pulling each strength's rate towards the overall rate (the prior). */
  priorWeight: number;
  /** Share of the newest judged EQLs held out for evaluation. */
  holdoutShare: number;
}

/** One coefficient per signal level: `strength=5`, `overlap=verified`. */
export const featureName = (signal: Signal, level: string) => `${signal}=${level}`;

export const FEATURES: readonly string[] = SIGNALS.flatMap((s) =>
  SIGNAL_LEVELS[s].map((l) => featureName(s, l)),
);
const FEATURE_INDEX = new Map(FEATURES.map((f, i) => [f, i]));

function featureIndices(levels: SignalLevels): number[] {
  const out: number[] = [];
  for (const s of SIGNALS) {
    const i = FEATURE_INDEX.get(featureName(s, levels[s]));
    if (i !== undefined) out.push(i);
  }
  return out;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

// ---------------------------------------------------------------------------------------------------------
// Prior

export interface PriorModel {
  /** Overall opportunity rate of the leads it was built on. */
  overall: number;
  /** Per strength level: smoothed rate and the raw counts. */
  strength: Record<string, { rate: number; n: number; opportunity: number }>;
  n: number;
}

export function fitPrior(cells: readonly SignalCell[], priorWeight: number): PriorModel {
  const by = new Map<string, Counts>();
  let n = 0;
  let k = 0;
  for (const c of cells) {
    n += c.n;
    k += c.opportunity;
    const acc = by.get(c.levels.strength) ?? { n: 0, opportunity: 0, won: 0 };
    acc.n += c.n;
    acc.opportunity += c.opportunity;
    by.set(c.levels.strength, acc);
  }
  const overall = n > 0 ? k / n : 0;
  const strength: PriorModel['strength'] = {};
  for (const level of SIGNAL_LEVELS.strength) {
    const c = by.get(level) ?? { n: 0, opportunity: 0, won: 0 };
    strength[level] = {
      rate: (c.opportunity + priorWeight * overall) / (c.n + priorWeight),
      n: c.n,
      opportunity: c.opportunity,
    };
  }
  return { overall, strength, n };
}

export function priorScore(prior: PriorModel, levels: SignalLevels): number {
  return prior.strength[levels.strength]?.rate ?? prior.overall;
}

// ---------------------------------------------------------------------------------------------------------
// Logistic regression

export interface LogisticModel {
  intercept: number;
  /** Coefficient per feature name (log-odds); levels never seen are 0. */
  coefficients: Record<string, number>;
  /** Newton iterations until the step was below 1e-8 (or the cap). */
  iterations: number;
}

/** Solves A x = b (A symmetric positive definite, n×n row-major) by Cholesky; A is overwritten. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! ** 2;
    d = Math.sqrt(Math.max(d, 1e-12));
    a[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / d;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= a[i * n + k]! * y[k]!;
    y[i] = s / a[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * x[k]!;
    x[i] = s / a[i * n + i]!;
  }
  return x;
}

/** Fits the model on grouped cells (see the top of this file). */
export function fitLogistic(cells: readonly SignalCell[], l2: number, maxIterations = 50): LogisticModel {
  const d = FEATURES.length + 1; // index 0: intercept
  const rows = cells
    .filter((c) => c.n > 0)
    .map((c) => ({ idx: featureIndices(c.levels).map((i) => i + 1), c }));
  const beta = new Float64Array(d);
  let n = 0;
  let k = 0;
  for (const r of rows) {
    n += r.c.n;
    k += r.c.opportunity;
  }
  if (n > 0) beta[0] = Math.log((k + 0.5) / (n - k + 0.5));
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const grad = new Float64Array(d);
    const hess = new Float64Array(d * d);
    for (let j = 1; j < d; j++) {
      grad[j] = -l2 * beta[j]!;
      hess[j * d + j] = l2;
    }
    hess[0] = 1e-9;
    for (const { idx, c } of rows) {
      let z = beta[0]!;
      for (const j of idx) z += beta[j]!;
      const p = sigmoid(z);
      const g = c.opportunity - c.n * p;
      const w = c.n * p * (1 - p);
      const all = [0, ...idx];
      for (const a of all) {
        grad[a] = grad[a]! + g;
        for (const b of all) hess[a * d + b] = hess[a * d + b]! + w;
      }
    }
    const step = solveSpd(hess, grad, d);
    let size = 0;
    for (let j = 0; j < d; j++) {
      beta[j] = beta[j]! + step[j]!;
      size = Math.max(size, Math.abs(step[j]!));
    }
    if (size < 1e-8) {
      iterations++;
      break;
    }
  }
  const coefficients: Record<string, number> = {};
  FEATURES.forEach((f, i) => {
    coefficients[f] = beta[i + 1]!;
  });
  return { intercept: beta[0]!, coefficients, iterations };
}

export function logit(
  model: Pick<LogisticModel, 'intercept' | 'coefficients'>,
  levels: SignalLevels,
): number {
  let z = model.intercept;
  for (const s of SIGNALS) z += model.coefficients[featureName(s, levels[s])] ?? 0;
  return z;
}

export function modelScore(
  model: Pick<LogisticModel, 'intercept' | 'coefficients'>,
  levels: SignalLevels,
): number {
  return sigmoid(logit(model, levels));
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation

export interface CalibrationBin {
  /** Predicted probability range [from, to). */
  from: number;
  to: number;
  n: number;
  /** Mean predicted probability of the leads in the bin. */
  predicted: number;
  /** Share of them that reached opportunity. */
  observed: number;
}

export interface Evaluation {
  n: number;
  positives: number;
  /** Area under the ROC curve (ties count half); null without both outcomes. */
  auc: number | null;
  /** Mean squared error of the predicted probability. */
  brier: number | null;
  calibration: CalibrationBin[];
}

/** AUC, Brier and a 5-bin calibration table of `predict` over grouped cells. */
export function evaluate(
  cells: readonly SignalCell[],
  predict: (levels: SignalLevels) => number,
): Evaluation {
  const scored = cells.filter((c) => c.n > 0).map((c) => ({ p: predict(c.levels), c }));
  let n = 0;
  let pos = 0;
  let sq = 0;
  for (const { p, c } of scored) {
    n += c.n;
    pos += c.opportunity;
    sq += c.opportunity * (1 - p) ** 2 + (c.n - c.opportunity) * p ** 2;
  }
  // AUC = P(score of a random positive > score of a random negative), ties half: sweep groups by score.
  let auc: number | null = null;
  const neg = n - pos;
  if (pos > 0 && neg > 0) {
    const byScore = new Map<number, { pos: number; neg: number }>();
    for (const { p, c } of scored) {
      const e = byScore.get(p) ?? { pos: 0, neg: 0 };
      e.pos += c.opportunity;
      e.neg += c.n - c.opportunity;
      byScore.set(p, e);
    }
    let negBelow = 0;
    let sum = 0;
    for (const [, e] of [...byScore].sort((a, b) => a[0] - b[0])) {
      sum += e.pos * (negBelow + e.neg / 2);
      negBelow += e.neg;
    }
    auc = sum / (pos * neg);
  }
  const BINS = 5;
  const bins = Array.from({ length: BINS }, (_, i) => ({
    from: i / BINS,
    to: (i + 1) / BINS,
    n: 0,
    p: 0,
    k: 0,
  }));
  for (const { p, c } of scored) {
    const b = bins[Math.min(BINS - 1, Math.floor(p * BINS))]!;
    b.n += c.n;
    b.p += p * c.n;
    b.k += c.opportunity;
  }
  return {
    n,
    positives: pos,
    auc,
    brier: n > 0 ? sq / n : null,
    calibration: bins
      .filter((b) => b.n > 0)
      .map((b) => ({ from: b.from, to: b.to, n: b.n, predicted: b.p / b.n, observed: b.k / b.n })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The whole fit: split, fit, judge, refit

export interface FittedScore {
  /** `model`: the regression beat the prior on held-out data and is what reps see; `prior` otherwise. */
  use: 'model' | 'prior';
  /** Why the model is not used (plain sentence), or null. */
  reason: string | null;
  n: number;
  positives: number;
  nTrain: number;
  nTest: number;
  prior: PriorModel;
  model: LogisticModel | null;
  heldOut: { model: Evaluation; prior: Evaluation } | null;
}

/**
 * Fits the score from `cells` whose `train` flag marks the older share (time-ordered split made by the store).
 * Below `minOutcomes` judged EQLs, or without both outcomes in each part, only the prior is kept and the
 * reason says why.
 */
export function fitScore(cells: readonly SignalCell[], settings: ScoreSettings): FittedScore {
  let n = 0;
  let positives = 0;
  let nTrain = 0;
  for (const c of cells) {
    n += c.n;
    positives += c.opportunity;
    if (c.train) nTrain += c.n;
  }
  const prior = fitPrior(cells, settings.priorWeight);
  const base = { n, positives, nTrain, nTest: n - nTrain, prior, model: null, heldOut: null };
  if (n < settings.minOutcomes) {
    return {
      ...base,
      use: 'prior',
      reason: `only ${n} judged EQLs so far; the model needs ${settings.minOutcomes}`,
    };
  }
  const train = cells.filter((c) => c.train);
  const test = cells.filter((c) => !c.train);
  const trainPos = train.reduce((s, c) => s + c.opportunity, 0);
  const testPos = test.reduce((s, c) => s + c.opportunity, 0);
  const nTest = n - nTrain;
  if (trainPos === 0 || trainPos === nTrain || testPos === 0 || testPos === nTest) {
    return {
      ...base,
      use: 'prior',
      reason: 'the training or held-out leads all ended the same way; nothing to learn from yet',
    };
  }
  const trainPrior = fitPrior(train, settings.priorWeight);
  const trainModel = fitLogistic(train, settings.l2);
  const heldOut = {
    model: evaluate(test, (l) => modelScore(trainModel, l)),
    prior: evaluate(test, (l) => priorScore(trainPrior, l)),
  };
  const beats =
    heldOut.model.brier !== null &&
    heldOut.prior.brier !== null &&
    heldOut.model.brier < heldOut.prior.brier &&
    (heldOut.model.auc ?? 0) > (heldOut.prior.auc ?? 0);
  const model = fitLogistic(cells, settings.l2);
  return {
    ...base,
    model,
    heldOut,
    use: beats ? 'model' : 'prior',
    reason: beats
      ? null
      : 'on the newest leads the model did not predict better than warmth strength alone (Brier score and AUC)',
  };
}

// ---------------------------------------------------------------------------------------------------------
// Scoring one lead, with its reasons

export interface ScoreReason {
  signal: Signal;
  level: string;
  /** Plain phrase ("warmth 5/5"). */
  phrase: string;
  /** Change in probability, in points, against the same lead without this signal's contribution. */
  points: number;
}

export interface LeadScore {
  /** Probability of reaching opportunity, 0–1. */
  probability: number;
  source: 'model' | 'prior';
  /** The largest contributions (model), or the strength cell the prior used; at most three. */
  reasons: ScoreReason[];
}

/** What the routing post and App Home need: null when there is nothing to show yet. */
export interface StoredScore {
  use: 'model' | 'prior';
  prior: PriorModel;
  model: Pick<LogisticModel, 'intercept' | 'coefficients'> | null;
}

export function scoreLead(score: StoredScore | null, levels: SignalLevels): LeadScore | null {
  if (!score || score.prior.n === 0) return null;
  if (score.use === 'model' && score.model) {
    const m = score.model;
    const z = logit(m, levels);
    const p = sigmoid(z);
    const reasons = SIGNALS.map((signal) => {
      const b = m.coefficients[featureName(signal, levels[signal])] ?? 0;
      return {
        signal,
        level: levels[signal],
        phrase: levelPhrase(signal, levels[signal]),
        points: (p - sigmoid(z - b)) * 100,
      };
    })
      .filter((r) => Math.abs(r.points) >= 0.5)
      .sort(
        (a, b) =>
          Math.abs(b.points) - Math.abs(a.points) || SIGNALS.indexOf(a.signal) - SIGNALS.indexOf(b.signal),
      )
      .slice(0, 3);
    return { probability: p, source: 'model', reasons };
  }
  const p = priorScore(score.prior, levels);
  return {
    probability: p,
    source: 'prior',
    reasons: [
      {
        signal: 'strength',
        level: levels.strength,
        phrase: levelPhrase('strength', levels.strength),
        points: (p - score.prior.overall) * 100,
      },
    ],
  };
}
