import { Counter, Histogram, type Registry } from 'prom-client';
import { counterChildren, histogramChildren } from '../../../machinery/metrics/metric-children.js';

/** `admit` for mutating webhooks, `validating` for validating ones (Kubernetes' label values). */
export type WebhookType = 'admit' | 'validating';

/**
 * Kubernetes' webhook admission metrics: call latency by webhook, refusals by kind of error,
 * calls that failed open. One instance per registry.
 */
export class WebhookMetrics {
  private readonly durationOf;
  private readonly rejectionOf;
  private readonly failOpenOf;

  constructor(registry: Registry) {
    this.durationOf = histogramChildren(
      new Histogram({
        name: 'apiserver_admission_webhook_admission_duration_seconds',
        help: 'Admission webhook latency in seconds, by webhook name, type (admit or validating), operation and whether it refused.',
        labelNames: ['name', 'type', 'operation', 'rejected'],
        buckets: [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 25],
        registers: [registry],
      }),
    );
    this.rejectionOf = counterChildren(
      new Counter({
        name: 'apiserver_admission_webhook_rejection_count',
        help: 'Admission webhook refusals, by webhook name, type, operation, error type and HTTP code.',
        labelNames: ['name', 'type', 'operation', 'error_type', 'rejection_code'],
        registers: [registry],
      }),
    );
    this.failOpenOf = counterChildren(
      new Counter({
        name: 'apiserver_admission_webhook_fail_open_count',
        help: 'Admission webhook calls that failed and were ignored (failurePolicy Ignore).',
        labelNames: ['name', 'type'],
        registers: [registry],
      }),
    );
  }

  /** One finished call; `refusal` says how it refused the request (undefined: admitted). */
  observe(
    name: string,
    type: WebhookType,
    operation: string,
    seconds: number,
    refusal?: { errorType: 'no_error' | 'calling_webhook_error' | 'apiserver_internal_error'; code: number },
  ): void {
    this.durationOf({ name, type, operation, rejected: String(refusal !== undefined) }).observe(seconds);
    if (refusal)
      this.rejectionOf({
        name,
        type,
        operation,
        error_type: refusal.errorType,
        rejection_code: String(refusal.code),
      }).inc();
  }

  failOpen(name: string, type: WebhookType): void {
    this.failOpenOf({ name, type }).inc();
  }
}
