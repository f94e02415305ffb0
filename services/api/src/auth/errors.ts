import { BatonError, markErrorClass, type BatonErrorOptions } from '@baton/shared'
import type { Permission } from './types.js'

/**
 * The request's credential is bad: malformed, unknown, revoked, expired, or an OIDC token that
 * fails verification (HTTP 401). `reason` says which, for the caller and the audit log; it
 * never quotes the credential. No credential at all is not this error: `authenticate` returns null.
 */
export class AuthenticationError extends BatonError {
  static readonly CODE = 'UNAUTHENTICATED'
  readonly reason: string
  constructor(reason: string, options: BatonErrorOptions = {}) {
    super(AuthenticationError.CODE, reason, options)
    this.reason = reason
  }
}

/**
 * The principal is known but lacks a permission for the resource (HTTP 403). Thrown by a route
 * that turns a refused `authorize` into an error; `missing` names the permission.
 */
export class PermissionDeniedError extends BatonError {
  static readonly CODE = 'FORBIDDEN'
  readonly missing: Permission
  constructor(missing: Permission, reason: string, options: BatonErrorOptions = {}) {
    super(PermissionDeniedError.CODE, reason, options)
    this.missing = missing
  }
}

markErrorClass(AuthenticationError, 'AuthenticationError')
markErrorClass(PermissionDeniedError, 'PermissionDeniedError')
