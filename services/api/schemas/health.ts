/** Schemas of the operational endpoints. */
import { Type } from '@sinclair/typebox';

export const Liveness = Type.Object({ status: Type.Literal('ok') });

export const Check = Type.Object({
  ok: Type.Boolean(),
  /** True when the dependency is not configured in this process (then it cannot fail). */
  skipped: Type.Optional(Type.Boolean()),
  message: Type.Optional(Type.String()),
});

export const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Object({ database: Check, redis: Check, models: Check }),
});
