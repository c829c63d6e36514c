import type { Storage } from '../storage/database.js';
import { Groups } from './groups.js';
import { Tenants } from './tenants.js';
import { Users } from './users.js';

/** The directory service: everything the HTTP, console and CLI shells may ask of Roster's data. */
export class Roster {
  readonly tenants: Tenants;
  readonly users: Users;
  readonly groups: Groups;

  constructor(readonly storage: Storage) {
    this.tenants = new Tenants(storage);
    this.users = new Users(storage);
    this.groups = new Groups(storage);
  }
}
