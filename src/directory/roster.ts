import type { Storage } from '../storage/database.js';
import { Groups } from './groups.js';
import { History } from './history.js';
import { Policies } from './policies.js';
import { Roles } from './roles.js';
import { Schemas } from './schemas.js';
import { Tenants } from './tenants.js';
import { Users } from './users.js';

/** The directory service: everything the HTTP, console and CLI shells may ask of Roster's data. */
export class Roster {
  readonly tenants: Tenants;
  readonly users: Users;
  readonly groups: Groups;
  readonly policies: Policies;
  readonly history: History;
  readonly roles: Roles;
  readonly schemas: Schemas;

  constructor(readonly storage: Storage) {
    this.tenants = new Tenants(storage);
    this.users = new Users(storage);
    this.groups = new Groups(storage);
    this.policies = new Policies(storage);
    this.history = new History(storage);
    this.roles = new Roles(storage);
    this.schemas = new Schemas(storage);
  }
}
