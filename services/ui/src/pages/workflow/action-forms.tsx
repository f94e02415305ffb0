/** What the workflow page's action forms (trigger, pause, backfill) share: outcome words, the params schema, the form validator. */
import type { ReactNode } from 'react'
import { toErrorSchema, type ErrorSchema, type RJSFSchema, type RJSFValidationError, type ValidatorType } from '@rjsf/utils'
import { checkSchema, issueTree, propertyOf } from './schema-check'

/** What an action's answer said, in words, with its tone (ok, pending or err). */
export interface Outcome {
  tone: 'ok' | 'pending' | 'err'
  text: ReactNode
}

/** The API's error answer in words: its message and, for a 400, each field issue. */
export function errorWords(status: number, error: unknown): string {
  const e = (error as { error?: { message?: string; details?: { issues?: { path?: string; reason?: string }[] } } } | undefined)?.error
  const issues = e?.details?.issues?.map((i) => `${i.path ?? ''}: ${i.reason ?? ''}`).join('; ')
  const prefix = status === 409 ? 'Nothing done' : status === 403 ? 'Not allowed' : `Failed (${status || 'no answer'})`
  return `${prefix}: ${e?.message ?? 'the API did not say why'}${issues ? ` — ${issues}` : ''}.`
}

/** The outcome line next to an action's button; read out when it changes. */
export function OutcomeLine({ outcome }: { outcome: Outcome | null }) {
  return (
    <p className={`wp-outcome ${outcome?.tone === 'err' ? 'err' : outcome?.tone === 'ok' ? 'ok' : ''}`} role="status" aria-live="polite">
      {outcome?.text ?? ''}
    </p>
  )
}

/**
 * A workflow's params JSON Schema from its normalised definition, ready for @rjsf: the `$schema`
 * line is dropped because the stock AJV validator speaks draft-07 and would reject a 2020-12
 * meta-schema reference (the simple schemas the SDK emits mean the same under both).
 */
export function paramsSchemaOf(definition: unknown): RJSFSchema | null {
  const params = (definition as { params?: unknown } | null)?.params
  if (!params || typeof params !== 'object') return null
  const { $schema: _drop, ...schema } = params as Record<string, unknown>
  return schema as RJSFSchema
}

/** The JSON Schema of a partition label of this kind (a pattern for dates and hours). */
export function partitionSchema(kind: string, title: string, description: string): RJSFSchema {
  const pattern = kind === 'date' ? '^\\d{4}-\\d{2}-\\d{2}$' : kind === 'hour' ? '^\\d{4}-\\d{2}-\\d{2}T\\d{2}$' : undefined
  return { type: 'string', title, description, minLength: 1, ...(pattern ? { pattern } : {}) }
}

/** An example partition label of a kind, for placeholders and hints. */
export function partitionExample(kind: string): string {
  return kind === 'date' ? 'YYYY-MM-DD' : kind === 'hour' ? 'YYYY-MM-DDTHH' : 'any key'
}

/** A new idempotency key: one per opened form, so a double submit is the same request. */
export function newKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`
}

/**
 * The generated forms' validator: @rjsf's interface over `checkSchema`, because AJV (what
 * @rjsf/validator-ajv8 runs) compiles schemas with `new Function`, which the UI's CSP forbids.
 */
export const formValidator: ValidatorType = {
  validateFormData(formData, schema, _customValidate, transformErrors, uiSchema) {
    let errors: RJSFValidationError[] = checkSchema(schema, formData).map((i) => {
      const property = propertyOf(i.path)
      return { name: i.keyword, property, message: i.message, stack: `${property || 'value'} ${i.message}`, params: {}, schemaPath: '' }
    })
    if (transformErrors) errors = transformErrors(errors, uiSchema)
    return { errors, errorSchema: toErrorSchema(errors) }
  },
  isValid: (schema, formData, rootSchema) => checkSchema(schema, formData, rootSchema).length === 0,
  rawValidation: (schema, formData) => ({ errors: checkSchema(schema, formData) as never[] }),
}

/** The API's 400 field issues (`body.params.month`) as an @rjsf error tree, to show them under their fields. */
export function apiFieldErrors(error: unknown): ErrorSchema | undefined {
  const issues = (error as { error?: { details?: { issues?: { path?: string; reason?: string }[] } } } | undefined)?.error?.details?.issues
  if (!issues?.length) return undefined
  const tree = issueTree(issues)
  return Object.keys(tree).length ? (tree as ErrorSchema) : undefined
}
