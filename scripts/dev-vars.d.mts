// Types of dev-vars.mjs for the TypeScript tests that call it.
export type DevVars = Record<string, string>;
export const DEV_VARS: string;
export function parseDevVars(text: string): DevVars;
export function readDevVars(path?: string): DevVars;
export function ensureDevVars(path?: string): { created: boolean; vars: { WEBHOOK_SECRET: string; ADMIN_TOKEN: string } & DevVars };
