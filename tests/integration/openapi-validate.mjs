// node openapi-validate.mjs NODE_MODULES FILE: validate FILE as an OpenAPI
// 3.x document with @seriousme/openapi-schema-validator (pinned by
// tests/npm/package-lock.json, installed by ./bootstrap test), which checks
// it against the OpenAPI Initiative's JSON Schema for its version.  Prints
// the version, or the errors, and exits 0 only for a valid document.
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [modules, file] = process.argv.slice(2);
const { Validator } = await import(
	pathToFileURL(join(modules, "@seriousme/openapi-schema-validator/index.js")).href);
const v = new Validator();
const r = await v.validate(file);
if (r.valid) {
	console.log(`valid OpenAPI ${v.version}`);
} else {
	console.log(JSON.stringify(r.errors, null, 2));
}
process.exit(r.valid ? 0 : 1);
