// Validates Kubernetes objects (a JSON array on stdin) with kubernetes-models and prints one list
// of schema errors per object (JSON on stdout). kubernetes-models is ESM-only, which Jest's
// CommonJS runtime cannot load, so manifests.e2e-spec.ts runs this in a plain Node process.
import { readFileSync } from 'node:fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const object of objects) {
  const { apiVersion, kind } = object;
  let Model;
  try {
    Model = (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind];
  } catch {
    Model = undefined;
  }
  if (typeof Model !== 'function') {
    results.push([`kubernetes-models has no model for ${apiVersion} ${kind}`]);
    continue;
  }
  try {
    new Model(object).validate();
    results.push([]);
  } catch (error) {
    const details = Array.isArray(error?.errors) ? error.errors : [{ instancePath: '', message: String(error) }];
    results.push(details.map((detail) => `${detail.instancePath || '/'} ${detail.message}`));
  }
}
process.stdout.write(JSON.stringify(results));
