/** The Alerts part of the API contract (spread into shared/contract.ts). */
import { z } from 'zod';
import { idField } from '../validation';
import {
  alertHistoryEntrySchema,
  alertRuleSchema,
  alertSetupSchema,
  createRuleSchema,
  smtpSettingsSchema,
  smtpSettingsViewSchema,
  updateRuleSchema,
} from './rules';

const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({
  input,
  output,
});
const byCustomer = z.object({ customerId: idField });

export const alertMethods = {
  'alerts.setup': method(byCustomer, alertSetupSchema),
  'alerts.readTopics': method(byCustomer, alertSetupSchema),
  'alerts.list': method(byCustomer, z.array(alertRuleSchema)),
  'alerts.create': method(createRuleSchema, alertRuleSchema),
  'alerts.update': method(updateRuleSchema, alertRuleSchema),
  'alerts.delete': method(z.object({ id: idField }), z.object({ ok: z.literal(true) })),
  'alerts.test': method(z.object({ id: idField }), z.object({ queued: z.number() })),
  'alerts.history': method(
    byCustomer.extend({ limit: z.number().int().min(1).max(1000).default(200) }),
    z.array(alertHistoryEntrySchema),
  ),
  'smtp.get': method(z.object({}), smtpSettingsViewSchema.nullable()),
  'smtp.set': method(smtpSettingsSchema, smtpSettingsViewSchema),
} as const;
