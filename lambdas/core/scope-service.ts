import { environmentNotFound } from "./access.ts";
import { displayNameSchema, environmentIdSchema, spaceIdSchema } from "./field-checks.ts";
import { newId } from "./ids.ts";
import type { Clock, PageRequest, ScopeStore } from "./ports.ts";
import { systemClock } from "./ports.ts";
import type { Environment, Page, Space } from "./types.ts";
import { parse } from "./validate.ts";

/** Environments and the spaces inside them. Ids may be supplied so ids mirrored from another system work as-is. */
export class ScopeService {
  private readonly clock: Clock;

  constructor(private readonly deps: { scopes: ScopeStore; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  async createEnvironment(input: { name: string; id?: string | undefined }): Promise<Environment> {
    const name = parse(displayNameSchema, input.name, "name");
    const id = input.id === undefined ? newId("env") : parse(environmentIdSchema, input.id, "id");
    const at = this.clock.now().toISOString();
    const env: Environment = { id, name, createdAt: at, updatedAt: at };
    await this.deps.scopes.createEnvironment(env);
    return env;
  }

  async getEnvironment(id: string): Promise<Environment> {
    const env = await this.deps.scopes.getEnvironment(id);
    if (!env) throw environmentNotFound(id);
    return env;
  }

  /** Undefined when missing (no 404): for callers that answer differently. */
  getEnvironmentIfAny(id: string): Promise<Environment | undefined> {
    return this.deps.scopes.getEnvironment(id);
  }

  listEnvironments(page: PageRequest): Promise<Page<Environment>> {
    return this.deps.scopes.listEnvironments(page);
  }

  renameEnvironment(id: string, name: string): Promise<Environment> {
    return this.deps.scopes.renameEnvironment(id, name, this.clock.now().toISOString());
  }

  deleteEnvironment(id: string): Promise<void> {
    return this.deps.scopes.deleteEnvironment(id);
  }

  async createSpace(input: { environmentId: string; name: string; id?: string | undefined }): Promise<Space> {
    const name = parse(displayNameSchema, input.name, "name");
    const id = input.id === undefined ? newId("sp") : parse(spaceIdSchema, input.id, "id");
    await this.getEnvironment(input.environmentId);
    const at = this.clock.now().toISOString();
    const space: Space = {
      id,
      environmentId: input.environmentId,
      name,
      createdAt: at,
      updatedAt: at,
    };
    await this.deps.scopes.createSpace(space);
    return space;
  }

  /** Undefined when missing: callers answer 404 the same way for missing and out-of-scope spaces. */
  getSpace(id: string): Promise<Space | undefined> {
    return this.deps.scopes.getSpace(id);
  }

  /** The space if it is in this environment; one keyed read, the same for missing and elsewhere. */
  getSpaceIn(environmentId: string, id: string): Promise<Space | undefined> {
    return this.deps.scopes.getSpaceIn(environmentId, id);
  }

  listSpaces(environmentId: string, page: PageRequest): Promise<Page<Space>> {
    return this.deps.scopes.listSpaces(environmentId, page);
  }

  renameSpace(id: string, name: string): Promise<Space> {
    return this.deps.scopes.renameSpace(id, name, this.clock.now().toISOString());
  }

  deleteSpace(id: string): Promise<void> {
    return this.deps.scopes.deleteSpace(id);
  }
}
