// Checks real answers of the server against src/http/openapi.json with ajv (JSON Schema 2020-12,
// the dialect of OpenAPI 3.1).
//   node validate.mjs openapi.json answers.json
// answers.json: [{"method": "get", "path": "/api/v1/functions/{id}", "status": 200,
//                 "content_type": "application/json", "body": ...}, ...]
// Each answer must match a documented response of its operation (the status itself, else nXX,
// else default) and the schema of its media type. For this check every object schema that
// names its properties is closed (unevaluatedProperties: false): a field the server sends but
// the document does not name is an error, so the document cannot fall behind the code.
// Prints one line per problem and exits 1 when there is any; prints the count checked otherwise.
import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [docPath, answersPath] = process.argv.slice(2);
const doc = JSON.parse(fs.readFileSync(docPath, 'utf8'));
const answers = JSON.parse(fs.readFileSync(answersPath, 'utf8'));

// Keywords of OpenAPI's schema object that are not JSON Schema validation keywords.
const openapiKeywords = ['discriminator', 'xml', 'externalDocs', 'example'];

function close(schema, inAllOf) {
  if (Array.isArray(schema)) return schema.forEach((s) => close(s, false));
  if (!schema || typeof schema !== 'object') return;
  const isObject = schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'));
  // A member of allOf sees only its own properties; the schema holding the allOf is closed instead.
  if ((isObject && schema.properties && !inAllOf) || schema.allOf) {
    if (!('additionalProperties' in schema) && !('unevaluatedProperties' in schema)) {
      schema.unevaluatedProperties = false;
    }
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'allOf') {
      for (const s of value) {
        // A component named in allOf is taken open (its own fields closed further down).
        if (typeof s.$ref === 'string' && s.$ref.startsWith('#/components/schemas/')) s.$ref += '__open';
        close(s, true);
      }
    }
    else if (key !== 'enum' && key !== 'const' && key !== 'examples') close(value, false);
  }
}

const closed = structuredClone(doc);
close(closed.components?.schemas ?? {}, false);
close(closed.paths, false);
for (const [name, schema] of Object.entries(closed.components?.schemas ?? {})) {
  if (name.endsWith('__open')) continue;
  const { unevaluatedProperties, ...open } = schema;
  closed.components.schemas[`${name}__open`] = open;
}

const ajv = new Ajv2020({ strict: true, allErrors: true, keywords: openapiKeywords });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi.json', $defs: rebase(closed.components?.schemas ?? {}) });

function resolveRef(node) {
  // Responses and media types may be $refs to components.
  while (node && node.$ref) {
    const parts = node.$ref.replace(/^#\//, '').split('/');
    node = parts.reduce((n, p) => n?.[p.replace(/~1/g, '/').replace(/~0/g, '~')], closed);
  }
  return node;
}

// $refs point into the document's components/schemas: rewrite them to the registered schemas.
function rebase(schema) {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    const local = k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/');
    out[k] = local ? v.replace('#/components/schemas/', 'openapi.json#/$defs/') : rebase(v);
  }
  return out;
}

const problems = [];
const validators = new Map();
let checked = 0;
for (const a of answers) {
  const where = `${a.method.toUpperCase()} ${a.path} ${a.status}`;
  const op = closed.paths?.[a.path]?.[a.method];
  if (!op) {
    problems.push(`${where}: no such operation in the document`);
    continue;
  }
  const responses = op.responses ?? {};
  const key = [String(a.status), `${String(a.status)[0]}XX`, 'default'].find((k) => k in responses);
  if (!key) {
    problems.push(`${where}: status not documented (documented: ${Object.keys(responses).join(', ')})`);
    continue;
  }
  const response = resolveRef(responses[key]);
  if (a.body === undefined || a.body === null) {
    if (response.content && a.status !== 304 && a.status !== 204) {
      problems.push(`${where}: the document promises a body, the server sent none`);
    }
    checked++;
    continue;
  }
  const type = (a.content_type ?? '').split(';')[0].trim();
  const media = response.content?.[type];
  if (!media) {
    problems.push(`${where}: media type ${type} not documented (documented: ${Object.keys(response.content ?? {}).join(', ') || 'none'})`);
    continue;
  }
  if (!media.schema) {
    checked++;
    continue;
  }
  const id = `${where} ${type}`;
  let validate = validators.get(id);
  if (!validate) {
    try {
      validate = ajv.compile(rebase(media.schema));
    } catch (e) {
      problems.push(`${where}: the schema does not compile: ${e.message}`);
      continue;
    }
    validators.set(id, validate);
  }
  if (!validate(a.body)) {
    for (const e of validate.errors) {
      const extra = e.params?.unevaluatedProperty ? ` (\`${e.params.unevaluatedProperty}\` is not in the document)` : '';
      problems.push(`${where}: ${e.instancePath.replace(/\/\d+/g, '/*') || '/'} ${e.message}${extra}`);
    }
  }
  checked++;
}
const distinct = [...new Set(problems)];
for (const p of distinct) console.log(p);
console.log(`${checked} answers checked against the document, ${distinct.length} problems`);
process.exit(distinct.length ? 1 : 0);
