// The Worker's Durable Objects for the in-process app benchmark (bench/micro.mjs), which runs the
// Hono app in Node: `cloudflare:workers` resolves to this file in the bench bundle (bench/build.mjs),
// and `durableNamespace` gives each writer class a namespace whose objects keep their SQLite
// storage in node:sqlite (in memory). Alarms are recorded, never fired: the benchmark measures
// requests, and a write left pending would show in its KV counts.
import { DatabaseSync } from "node:sqlite";

export class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

function storage() {
  const db = new DatabaseSync(":memory:");
  const values = new Map();
  let alarm = null;
  const cursor = (rows) => ({
    toArray: () => rows,
    one: () => {
      if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
      return rows[0];
    },
    [Symbol.iterator]: () => rows[Symbol.iterator](),
  });
  return {
    sql: {
      exec(query, ...bindings) {
        const statement = db.prepare(query);
        // Statements that return no rows (DDL, writes) run; the rest are read.
        return statement.columns().length === 0 ? (statement.run(...bindings), cursor([])) : cursor(statement.all(...bindings).map((row) => ({ ...row })));
      },
    },
    async get(key) {
      return values.get(key);
    },
    async put(key, value) {
      values.set(key, structuredClone(value));
    },
    async sync() {},
    transactionSync: (fn) => fn(),
    async getAlarm() {
      return alarm;
    },
    async setAlarm(at) {
      alarm = typeof at === "number" ? at : at.getTime();
    },
    async deleteAlarm() {
      alarm = null;
    },
  };
}

/** A namespace of `Class` objects by name, as `env.X.getByName(name)` gives them in workerd. */
export function durableNamespace(Class, env) {
  const objects = new Map();
  const byName = (name) => {
    let object = objects.get(name);
    if (!object) {
      object = new Class({ storage: storage(), id: { name, toString: () => name }, blockConcurrencyWhile: (fn) => fn() }, env);
      objects.set(name, object);
    }
    return object;
  };
  return { getByName: byName, get: (id) => byName(String(id)), idFromName: (name) => ({ name, toString: () => name }) };
}
