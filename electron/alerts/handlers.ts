import type { Handlers } from '../api/handlers';
import type { AlertService } from './service';

type AlertHandlers = Pick<
  Handlers,
  | 'alerts.setup'
  | 'alerts.readTopics'
  | 'alerts.list'
  | 'alerts.create'
  | 'alerts.update'
  | 'alerts.delete'
  | 'alerts.test'
  | 'alerts.history'
  | 'smtp.get'
  | 'smtp.set'
>;

/** The Alerts API methods over the alert service (spread into createHandlers). */
export function createAlertHandlers(alerts: AlertService): AlertHandlers {
  return {
    'alerts.setup': ({ customerId }) => alerts.setup(customerId),
    'alerts.readTopics': ({ customerId }) => alerts.readTopics(customerId),
    'alerts.list': ({ customerId }) => alerts.list(customerId),
    'alerts.create': (input) => alerts.create(input),
    'alerts.update': (input) => alerts.update(input),
    'alerts.delete': ({ id }) => {
      alerts.remove(id);
      return { ok: true };
    },
    'alerts.test': ({ id }) => alerts.test(id),
    'alerts.history': ({ customerId, limit }) => alerts.history(customerId, limit),
    'smtp.get': () => alerts.smtp(),
    'smtp.set': (input) => alerts.setSmtp(input),
  };
}
