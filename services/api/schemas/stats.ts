/** Request and response schemas of /v1/stats and /v1/exports/alerts (allow-lists, derived from the vocabularies). */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { VERDICTS } from '../../core/domain.ts';
import { ALERT_STATUSES } from '../../core/review.ts';
import { FALSE_ALARM_KINDS, STATS_GROUP_BY } from '../../stats/stats-service.ts';
import { DetectionClass, ModelSpec, Nullable } from './common.ts';

const counts = (keys: readonly string[]) => Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Integer()])) as Record<string, TSchema>);
const Rate = Type.Object({ rate: Nullable(Type.Number()), hits: Type.Integer(), total: Type.Integer() });

export const StatsQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Start (inclusive); default 30 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'End (exclusive); default now' })),
  groupBy: Type.Union(STATS_GROUP_BY.map((g) => Type.Literal(g)), { default: 'lane' }),
});
export type StatsQuery = Static<typeof StatsQuery>;

export const StatsGroup = Type.Object({
  key: Type.String(),
  scans: Nullable(Type.Integer()),
  verdicts: Nullable(counts(VERDICTS)),
  alerts: Type.Integer(),
  byStatus: counts(ALERT_STATUSES),
  closed: Type.Integer(),
  confirmedRate: Rate,
  falseAlarmReasons: counts(FALSE_ALARM_KINDS),
  timeToDecisionS: Type.Object({ median: Nullable(Type.Number()), p90: Nullable(Type.Number()), decided: Type.Integer() }),
});

export const StatsReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  groupBy: Type.String(),
  generatedAt: Type.String(),
  totals: StatsGroup,
  groups: Type.Array(StatsGroup),
  models: Type.Array(
    Type.Object({
      modelId: Type.String(),
      modelVersion: Type.String(),
      heldOut: Nullable(
        Type.Object({
          data: Nullable(Type.String()),
          classes: Type.Record(
            Type.String(),
            Type.Object({ detectionRate: Nullable(Type.Number()), falseAlarmRate: Nullable(Type.Number()), threshold: Nullable(Type.Number()) }),
          ),
        }),
      ),
      observed: Type.Object({ alerts: Type.Integer(), closed: Type.Integer(), confirmedRate: Rate }),
    }),
  ),
  truncated: Type.Boolean(),
  note: Type.String(),
});

export const ExportQuery = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  format: Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' }),
});
export type ExportQuery = Static<typeof ExportQuery>;

export const ShadowQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Scans received from (inclusive); default 30 days before `to`' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'End (exclusive); default now' })),
  shadow: Type.Optional(ModelSpec('The shadow version <modelId>@<version>; default: every version in SHADOW_MODELS')),
  active: Type.Optional(ModelSpec('The version to compare it with; default: the active version of the same model id')),
});
export type ShadowQuery = Static<typeof ShadowQuery>;

const ModelRef = Type.Object({ modelId: Type.String(), modelVersion: Type.String() });

export const ShadowAgreement = Type.Object({
  class: DetectionClass,
  scans: Type.Integer({ description: 'Scans both versions analysed (both kept a heat map of the class)' }),
  both: Type.Integer({ description: 'Both found the class (a detection at or above its own threshold)' }),
  activeOnly: Type.Integer(),
  shadowOnly: Type.Integer(),
  neither: Type.Integer(),
});

export const ShadowReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  comparisons: Type.Array(Type.Object({ active: ModelRef, shadow: ModelRef, classes: Type.Array(ShadowAgreement) })),
});
