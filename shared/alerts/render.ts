/** The alert email, rendered from plain data: the same text on the desktop and the server. */

export interface RenderedEvent {
  cameraName: string;
  at: Date;
  description: string;
}

export interface AlertEmailInput {
  customerName: string;
  timeZone: string;
  ruleName: string;
  events: readonly RenderedEvent[];
  test?: boolean;
}

export interface AlertEmail {
  subject: string;
  text: string;
}

export function formatInZone(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(at);
}

const MAX_LISTED = 200;

export function renderAlertEmail(input: AlertEmailInput): AlertEmail {
  const [first] = input.events;
  const prefix = input.test ? '[Test] ' : '';
  const cameras = new Set(input.events.map((e) => e.cameraName));
  const subject =
    input.events.length === 1 && first
      ? `${prefix}${input.customerName}: ${input.ruleName} — ${first.cameraName}`
      : `${prefix}${input.customerName}: ${input.ruleName} — ${input.events.length} events on ${cameras.size} camera${cameras.size === 1 ? '' : 's'}`;
  const lines = input.events
    .slice(0, MAX_LISTED)
    .map((e) => `- ${formatInZone(e.at, input.timeZone)}  ${e.cameraName}: ${e.description}`);
  if (input.events.length > MAX_LISTED)
    lines.push(`… and ${input.events.length - MAX_LISTED} more events.`);
  const text = [
    input.test ? 'This is a test notification of the rule below.' : null,
    `Customer: ${input.customerName}`,
    `Rule: ${input.ruleName}`,
    `Times in ${input.timeZone}.`,
    '',
    ...lines,
  ]
    .filter((l): l is string => l !== null)
    .join('\n');
  return { subject, text };
}
