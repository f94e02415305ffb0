/** One problem `make deploy-check` reports: where, which rule, and why in one line. */
export interface Finding {
  /** The file or rendered overlay (`overlays/production`) it is in. */
  readonly where: string
  /** `Kind/name` of the object (or `stage coordinator` of a Dockerfile, `alert BatonTimersLate` of the alert rules). */
  readonly object: string
  /** Stable rule name, e.g. `non-root`, `probes`, `schema`. */
  readonly rule: string
  readonly message: string
}

/** A Kubernetes object as rendered (plain YAML data). */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: any }

/** `Kind/name`, how findings name an object. */
export function nameOf(o: K8sObject): string {
  return `${o.kind}/${o.metadata?.name ?? '?'}`
}

/** The findings as the lines `make deploy-check` prints. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.where}: ${f.object}: [${f.rule}] ${f.message}`).join('\n')
}
