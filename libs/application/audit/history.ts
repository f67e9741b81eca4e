import type { RecordedEvent } from '@rdm/event-store';

const WHY_FIELDS = ['reason', 'justification', 'emergencyOverrideReason', 'cause', 'notes', 'reviewNotes', 'assessment', 'conditions'];

export interface HistoryLine {
  readonly revision: string;
  readonly position: string;
  readonly at: string;
  readonly actor: string;
  readonly role: string;
  readonly type: string;
  readonly why: string | null;
  readonly data: unknown;
}

/** One stream's events as an auditor reads them: who, in which role, when, what, and why. */
export function historyLines(events: readonly RecordedEvent[]): HistoryLine[] {
  return events.map((event) => {
    const data = (event.data ?? {}) as Record<string, unknown>;
    const why = WHY_FIELDS.map((field) => data[field]).find((value) => typeof value === 'string' && value.length > 0) as string | undefined;
    return {
      revision: event.revision.toString(),
      position: event.position.toString(),
      at: String(event.metadata.occurredAt ?? event.createdAt.toISOString()),
      actor: String(event.metadata.actor ?? 'unknown'),
      role: String(event.metadata.role ?? 'unknown'),
      type: event.type,
      why: why ?? null,
      data: event.data,
    };
  });
}

export function formatHistory(lines: readonly HistoryLine[]): string {
  return lines
    .map((line) => `#${line.revision.padEnd(4)} ${line.at}  ${line.type}\n      by ${line.actor} as ${line.role}${line.why ? `\n      why: ${line.why}` : ''}`)
    .join('\n');
}
