/**
 * Secret resolution for rendering and deploying. A `SecretRef` is what the .halab file says
 * (`env:NAME`, `secret:NAME` or a literal string); a `SecretResolver` turns it into the value
 * that goes into a config file. The renderer never reads the environment itself, so the
 * editor can preview with placeholders and the CLI can fail with a clear message.
 */
import type { SecretRef, Topology, Vip } from '../../shared/model/types.js';

/**
 * The keywords whose value is a secret, declared once, with what each is (for prompts, error
 * messages and the plaintext-secret warning) and the variable its `env:` fix and completion
 * suggest. The renderer and the editor read the secrets through `topologySecrets`;
 * test/unit/secret-fields.test.ts checks that this lists every keyword the schema types `secret`.
 */
export const SECRET_FIELDS = {
  vipAuth: { block: 'vip', keyword: 'auth', what: 'VRRP password', env: 'HALAB_VRRP_AUTH' },
  statsPassword: { block: 'stats', keyword: 'password', what: 'stats password', env: 'HALAB_STATS_PASSWORD' },
} as const;

export type SecretField = (typeof SECRET_FIELDS)[keyof typeof SECRET_FIELDS];

/** The table's entry for `keyword` in a `block` block, if that keyword holds a secret. */
export function secretField(block: string, keyword: string): SecretField | undefined {
  return Object.values(SECRET_FIELDS).find((f) => f.block === block && f.keyword === keyword);
}

/** A secret a topology uses: its reference, what it is, and for a VRRP password its vip. */
export interface TopologySecret {
  ref: SecretRef;
  what: string;
  vip?: Vip;
}

/**
 * Every secret the topology's files need, stats password first. A vip's `auth` counts only with
 * VRRPv2: VRRPv3 has no authentication (an `auth` there is the auth-with-vrrp3 error).
 */
export function topologySecrets(model: Topology): TopologySecret[] {
  const { statsPassword, vipAuth } = SECRET_FIELDS;
  const out: TopologySecret[] = model.stats?.password ? [{ ref: model.stats.password, what: statsPassword.what }] : [];
  for (const vip of model.vips) {
    if (vip.auth && vip.vrrpVersion === 2) out.push({ ref: vip.auth, what: `${vipAuth.what} of vip ${vip.cidr}`, vip });
  }
  return out;
}

/** `what` says where the secret goes (e.g. "stats password"), for error messages. */
export type SecretResolver = (ref: SecretRef, what: string) => string;

/** Thrown when a secret cannot be resolved; `variable` names what the user must set. */
export class SecretError extends Error {
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
    this.name = 'SecretError';
  }
}

/**
 * Resolves `env:NAME` from `env` and `secret:NAME` from `store` (the editor's secret storage,
 * filled by the extension before calling render). Throws a SecretError naming the variable
 * when it is unset or empty: an empty password is never what the user meant.
 */
export function envSecrets(
  env: Record<string, string | undefined> = process.env,
  store?: Map<string, string>,
): SecretResolver {
  return (ref, what) => {
    switch (ref.kind) {
      case 'literal':
        return ref.value;
      case 'env': {
        const v = env[ref.name];
        if (v === undefined || v === '') {
          throw new SecretError(`set ${ref.name} in the environment: it holds the ${what} (env:${ref.name})`, ref.name);
        }
        return v;
      }
      case 'secret': {
        const v = store?.get(ref.name);
        if (v === undefined || v === '') {
          throw new SecretError(
            `the secret "${ref.name}" (${what}) is not in the secret store; ` +
              `store it from the editor ("secret:${ref.name}") or use env:NAME on the command line`,
            ref.name,
          );
        }
        return v;
      }
    }
  };
}

/** For previews and hover: shows where the value will come from, never the value. */
export const placeholderSecrets: SecretResolver = (ref) => {
  switch (ref.kind) {
    case 'env':
      return `<env:${ref.name}>`;
    case 'secret':
      return `<secret:${ref.name}>`;
    case 'literal':
      return '<literal>';
  }
};
