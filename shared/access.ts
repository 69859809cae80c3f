import {
  MODULES,
  ownModuleState,
  type ModuleId,
  type ModuleOverrides,
  type TenantKind,
} from './modules';

/** One link of a tenant's chain, from the root partner down to the tenant itself. */
export interface ChainLink {
  id: string;
  name: string;
  kind: TenantKind;
  overrides: ModuleOverrides;
}

export interface EffectiveModule {
  id: ModuleId;
  /** The tenant's own toggle. */
  own: boolean;
  /** Own toggle AND every ancestor's. */
  effective: boolean;
  /** The nearest ancestor that switches the module off, if any. */
  lockedBy: { id: string; name: string; kind: TenantKind } | null;
}

/**
 * A tenant's effective module access: its own toggle AND every ancestor integrator's (the root
 * partner included). `chain` runs from the root down to the tenant; the last link is the tenant.
 */
export function effectiveModules(chain: readonly ChainLink[]): EffectiveModule[] {
  const self = chain[chain.length - 1];
  if (!self) throw new Error('effectiveModules: empty chain');
  return MODULES.map(({ id }) => {
    let lockedBy: EffectiveModule['lockedBy'] = null;
    // Nearest ancestor first: that is the one a person has to go to.
    for (let i = chain.length - 2; i >= 0; i--) {
      const link = chain[i];
      if (link && !ownModuleState(link.kind, link.overrides, id)) {
        lockedBy = { id: link.id, name: link.name, kind: link.kind };
        break;
      }
    }
    const own = ownModuleState(self.kind, self.overrides, id);
    return { id, own, effective: own && lockedBy === null, lockedBy };
  });
}

export function isModuleEffective(chain: readonly ChainLink[], id: ModuleId): boolean {
  return chain.every((link) => ownModuleState(link.kind, link.overrides, id));
}
