// Checks the chart's Strimzi and CloudNativePG objects against the operators' CRD schemas.
//
//   helm template questline deploy/helm/questline | node deploy/helm/crd-check/check.mjs
//
// Reads rendered manifests (multi-document YAML) on stdin and validates every object of
// kafka.strimzi.io/* and postgresql.cnpg.io/* with the JSON Schema of its model in
// @kubernetes-models; prints one line per object and exits 1 when any is refused, or when
// its kind has no model (a new kind is never silently unchecked).
//
// What "the CRD" means here (the versions the packages were generated from):
// - Strimzi: @kubernetes-models/strimzi-kafka-operator 1.0.1, from Strimzi's published
//   CRDs: 1.0.0 for kafka.strimzi.io/v1 (the chart's), 0.49.0 for v1beta2 (gone in 1.0).
// - CloudNativePG: @kubernetes-models/cloudnative-pg 2.0.0, from CNPG 1.29.0's Go API
//   types (github.com/cloudnative-pg/cloudnative-pg/api/v1): postgresql.cnpg.io/v1.
// Both declare Node 22 in `engines` but run on Node 20: the chart's tests prove it.
//
// A CRD schema, like these, lets unknown fields through and the API server drops them
// without a word, so a misspelt field would be lost. Each field is therefore probed too: a
// value of no JSON type in its place is refused where it stands if the schema knows the
// field. An object that takes any field (labels, a Kafka config) is not probed further.
// The whole input must parse strictly (no repeated key), whatever its objects' kinds.

import { parseAllDocuments } from "yaml";

const PACKAGES = {
  "kafka.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  "postgresql.cnpg.io": "@kubernetes-models/cloudnative-pg",
};
const NO_TYPE = Symbol("no JSON type"); // refused by every typed schema
const PROBE_KEY = "questline-probe"; // a field no schema declares

async function modelOf(apiVersion, kind) {
  const [group, version] = apiVersion.split("/");
  try {
    const models = await import(`${PACKAGES[group]}/${group}/${version}`);
    const model = models[kind];
    return model?.apiVersion === apiVersion && model?.kind === kind ? model : undefined;
  } catch {
    return undefined;
  }
}

// A JSON Pointer, as the validator reports paths: "/" and "~" in keys escaped.
const pointer = (path) =>
  path.map((step) => "/" + String(step).replaceAll("~", "~0").replaceAll("/", "~1")).join("");

function schemaErrors(Model, data) {
  try {
    new Model(data).validate();
    return [];
  } catch (error) {
    if (!error.errors) throw error;
    return error.errors;
  }
}

// True when the schema refuses a value of no type at `path`: it knows the field.
function knows(Model, obj, path) {
  const copy = structuredClone(obj);
  let parent = copy;
  for (const step of path.slice(0, -1)) parent = parent[step];
  parent[path.at(-1)] = NO_TYPE;
  return schemaErrors(Model, copy).some((e) => e.instancePath === pointer(path));
}

function* unknownFields(Model, obj, value, path) {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* unknownFields(Model, obj, item, [...path, i]);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const keys = Object.keys(value);
  const known = keys.filter((key) => knows(Model, obj, [...path, key]));
  const typedMap = knows(Model, obj, [...path, PROBE_KEY]);
  if (!typedMap && known.length === 0) return; // takes any field: nothing to probe
  for (const key of keys) {
    if (!known.includes(key)) yield `${pointer([...path, key])} is not in the schema`;
    else yield* unknownFields(Model, obj, value[key], [...path, key]);
  }
}

async function check(obj) {
  const Model = await modelOf(obj.apiVersion, obj.kind);
  if (!Model) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  const errors = schemaErrors(Model, obj).map((e) => `${e.instancePath || "/"} ${e.message}`);
  return errors.length ? errors : [...unknownFields(Model, obj, obj, [])];
}

async function main() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const docs = parseAllDocuments(input);
  const broken = docs.flatMap((doc) => doc.errors);
  if (broken.length) throw new Error(`the manifests are not YAML: ${broken[0].message}`);
  const objects = docs
    .map((doc) => doc.toJS())
    .filter((obj) => PACKAGES[obj?.apiVersion?.split("/")[0]]);
  let refused = 0;
  for (const obj of objects) {
    const errors = await check(obj);
    const name = `${obj.apiVersion} ${obj.kind} ${obj.metadata?.name}`;
    console.log(errors.length ? `refused ${name}: ${errors.join("; ")}` : `valid ${name}`);
    refused += errors.length ? 1 : 0;
  }
  console.log(`${objects.length} objects checked, ${refused} refused`);
  process.exitCode = refused ? 1 : 0;
}

await main();
