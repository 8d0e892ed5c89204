/**
 * Request and response schemas of /v1/auth, /v1/users and /v1/api-keys. Response schemas are
 * allow-lists, so password hashes and key hashes cannot leave the API even by mistake.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from '../../core/access.ts';
import { LaneId, Nullable } from './common.ts';

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Username = Type.String({ minLength: 1, maxLength: 64, description: 'Lower-case letters, digits, ".", "_", "-"' });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Lanes = Type.Array(LaneId, { minItems: 1, maxItems: 100 });
export const IdentityId = Type.String({ pattern: '^(usr|key)-[0-9a-f]{16}$' });

export const LoginBody = Type.Object({ username: Username, password: Password });
export type LoginBody = Static<typeof LoginBody>;

export const SessionUser = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: RoleSchema,
  lanes: Nullable(Type.Array(Type.String())),
});

export const LoginResponse = Type.Object({
  token: Type.String({ description: 'Session token: send as `Authorization: Bearer <token>` (also set as the httpOnly cookie)' }),
  csrfToken: Type.String({ description: 'Send as `x-csrf-token` on POST/PUT/PATCH/DELETE authenticated by the cookie' }),
  user: SessionUser,
  expiresAt: Type.String({ format: 'date-time' }),
});

export const MeResponse = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('api_key')]),
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  lanes: Nullable(Type.Array(Type.String())),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  csrfToken: Nullable(Type.String({ description: 'For cookie sessions: the token to send as `x-csrf-token`' })),
});

export const PasswordChangeBody = Type.Object({ currentPassword: Password, newPassword: Password });
export const PasswordSetBody = Type.Object({ password: Password });

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: RoleSchema,
  lanes: Nullable(Type.Array(Type.String())),
  disabled: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export const UserList = Type.Object({ items: Type.Array(User) });
export const NewUserBody = Type.Object({
  username: Username,
  role: RoleSchema,
  lanes: Type.Optional(Lanes),
  password: Password,
});
export type NewUserBody = Static<typeof NewUserBody>;
export const IdParams = Type.Object({ id: IdentityId });

export const ApiKey = Type.Object({
  id: Type.String(),
  label: Type.String(),
  role: Type.String(),
  lanes: Type.Array(Type.String()),
  createdAt: Type.String(),
  createdBy: Type.String(),
  revokedAt: Nullable(Type.String()),
});
export const ApiKeyList = Type.Object({ items: Type.Array(ApiKey) });
export const NewApiKeyBody = Type.Object({ label: Type.String({ minLength: 1, maxLength: 100 }), lanes: Lanes });
export const NewApiKeyResponse = Type.Object({
  key: ApiKey,
  token: Type.String({ description: 'Shown once: send as `Authorization: Bearer <token>`' }),
});
