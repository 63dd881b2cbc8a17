// How request parts are checked against their route's JSON schema. Nothing is coerced or filled
// in: a value of the wrong type is refused with a 400 in our words, never quietly changed (a
// number sent as a display name must not become a name). The API's error shape comes from the
// error handler (errors.ts).
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';

/** Where in the request a schema error was found, as Fastify names it. */
type RequestPart = 'body' | 'headers' | 'params' | 'querystring';

const ajv = new Ajv({
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
  allErrors: false,
  strict: true,
  allowUnionTypes: true,
});

export const compileValidator: FastifySchemaCompiler<unknown> = ({ schema }) => ajv.compile(schema as object);

const typeWords: Record<string, string> = {
  string: 'text',
  object: 'a JSON object',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  null: 'null',
};

const whereWords: Record<RequestPart, string> = { body: 'request body', querystring: 'query', params: 'address', headers: 'headers' };

function oneOf(values: unknown[]): string {
  const quoted = values.map((v) => `'${String(v)}'`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/**
 * Our sentence for the first schema error. Only names the schema declares are quoted (a type or
 * enum error is reported at a declared property, a missing one is a declared requirement), so
 * nothing the client sent is echoed back.
 */
export function validationMessage(errors: FastifySchemaValidationError[], dataVar: RequestPart): string {
  const first = errors[0] as ErrorObject | undefined;
  const field = first?.instancePath.split('/').filter(Boolean).join('.');
  const subject = field ? `'${field}'` : `The ${whereWords[dataVar]}`;
  switch (first?.keyword) {
    case 'type': {
      const types = ([] as string[]).concat(first.params.type as string | string[]);
      return `${subject} must be ${types.map((t) => typeWords[t] ?? t).join(' or ')}.`;
    }
    case 'required':
      return `'${String(first.params.missingProperty)}' is missing from the ${whereWords[dataVar]}.`;
    case 'enum':
      return `${subject} must be one of ${oneOf(first.params.allowedValues as unknown[])}.`;
    default:
      return `${subject} is not valid.`;
  }
}

/** Fastify's hook for validation errors: the message is ours; errors.ts gives it the API's shape. */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: RequestPart): Error {
  return new Error(validationMessage(errors, dataVar));
}
