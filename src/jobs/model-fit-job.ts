import { calendarDate } from '../core/time.ts';
import { saveModel } from '../db/stores/insight-store.ts';
import { takenPeriods, takePeriod } from '../db/stores/job-store.ts';
import { computeScoreFit, computeSegments, modelRow } from '../services/insight.ts';
import { jobTransaction, mergeRun, runDraft, servicesAt } from './transaction.ts';
import { emptySummary, type Job } from './types.ts';

// The EQL score's nightly fit (PRODUCT.md section 12) on `score.cron`: fits the prior and, with at least
// `score.minOutcomes` judged EQLs, the regression, judges both on the newest leads held out, and stores the
// result (`eql_models`); routing posts and App Homes read the newest row. One fit per program day.

export const MODEL_FIT_JOB = 'model-fit';

export const modelFitJob: Job = {
  name: MODEL_FIT_JOB,
  description: 'Nightly fit of the EQL score on the program’s judged EQLs (it prioritises, never gates)',
  schedule: (config) => config.score.cron,
  async run(deps, now, options = {}) {
    const dryRun = options.dryRun ?? false;
    const summary = emptySummary(MODEL_FIT_JOB, now, dryRun);
    const services = servicesAt(deps.services, now);
    const { db, config } = services;
    const period = calendarDate(now, config.timezone);
    summary.period = period;
    if ((await takenPeriods(db, MODEL_FIT_JOB, [period])).has(period)) {
      summary.skipped = `the score was already fitted on ${period}`;
      return summary;
    }
    const fit = await computeScoreFit(services, now);
    const segments = await computeSegments(services, now);
    const done = await jobTransaction(db, dryRun, async (tx) => {
      const run = runDraft();
      if (!(await takePeriod(tx, MODEL_FIT_JOB, period, now, { use: fit.use, n: fit.n }))) {
        run.skipped = `the score was already fitted on ${period}`;
        return run;
      }
      run.keys.push(period);
      await saveModel(tx, modelRow(fit, config, now, segments));
      return run;
    });
    mergeRun(summary, done);
    if (summary.skipped) return summary;
    const held = fit.heldOut;
    summary.report = [
      `${dryRun ? 'would fit' : 'fitted'} on ${fit.n} judged EQLs (${fit.positives} reached opportunity; ${fit.nTrain} older for training, ${fit.nTest} newest held out)`,
      held
        ? `held out: model AUC ${held.model.auc?.toFixed(3) ?? '—'}, Brier ${held.model.brier?.toFixed(4) ?? '—'}; prior AUC ${held.prior.auc?.toFixed(3) ?? '—'}, Brier ${held.prior.brier?.toFixed(4) ?? '—'}`
        : 'no held-out evaluation (too little data)',
      fit.use === 'model' ? 'reps see the model' : `reps see the prior: ${fit.reason}`,
    ];
    return summary;
  },
};
