import { CRM_PROVIDER_LABELS } from '../../crm/types.ts';
import { crmForCli } from '../crm-setup.ts';
import { type Command, EXIT } from '../types.ts';

export const crmStages: Command = {
  name: 'crm stages',
  usage: '',
  summary: "List the CRM's opportunity stages beside crm.stages",
  description: [
    'Reads the stages from the CRM (Salesforce OpportunityStage; HubSpot deal pipelines) and shows, for each,',
    'its id, label, whether the CRM counts it closed or won, and what crm.stages maps it to. Stages the map',
    'leaves out, and map entries the CRM does not have (a typo, or a stage since deleted), are listed last.',
    'Exit 1 when a map entry names no stage of the CRM.',
  ].join('\n'),
  async run(_args, ctx) {
    const setup = crmForCli(ctx, null);
    if (!setup) return EXIT.failed;
    const { crm } = setup;
    const stages = await setup.deps.provider().listStages();
    const label = CRM_PROVIDER_LABELS[crm.provider];
    ctx.out(`${label} has ${stages.length} opportunity stage${stages.length === 1 ? '' : 's'}:`);
    const unmapped: string[] = [];
    for (const s of stages) {
      const flags = s.isWon ? 'closed, won' : s.isClosed ? 'closed, lost' : 'open';
      const target = crm.stages[s.id];
      if (!target) unmapped.push(s.id);
      const where = s.pipelineId ? ` [pipeline ${s.pipelineId}]` : '';
      ctx.out(`  ${s.id}  "${s.label}"${where}  ${flags}  → ${target ?? '(not mapped)'}`);
    }
    const known = new Set(stages.map((s) => s.id));
    const unknown = Object.keys(crm.stages).filter((id) => !known.has(id));
    if (unmapped.length > 0) {
      ctx.out(`Not in crm.stages (synced, never acted on): ${unmapped.join(', ')}`);
    }
    if (unknown.length > 0) {
      ctx.err(`crm.stages names stage ids ${label} does not have: ${unknown.join(', ')}`);
      return EXIT.failed;
    }
    return EXIT.ok;
  },
};
