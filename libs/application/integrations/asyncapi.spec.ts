import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { EVENT_CATALOG } from '@rdm/domain';
import { buildAsyncApiDocument, EVENTS_STREAM_PATH } from './asyncapi';

describe('buildAsyncApiDocument', () => {
  const document = buildAsyncApiDocument();

  it('is a valid AsyncAPI 3.0 document (no error diagnostics from @asyncapi/parser)', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
    expect(errors.map((d) => `${d.code} ${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(parsed).toBeDefined();
    expect(parsed!.version()).toBe('3.0.0');
    const channel = parsed!.channels().all()[0];
    expect(channel.address()).toBe(EVENTS_STREAM_PATH);
    expect(parsed!.allMessages().all()).toHaveLength(EVENT_CATALOG.length + 1);
    expect(
      parsed!
        .operations()
        .all()
        .every((operation) => operation.action() === 'receive'),
    ).toBe(true);
    expect(parsed!.operations().all()).toHaveLength(EVENT_CATALOG.length + 1);
  });

  it('has a message per catalogued event type with its description and key fields', () => {
    for (const entry of EVENT_CATALOG) {
      const message = document.components.messages[entry.type] as {
        name: string;
        summary: string;
        payload: { allOf: Array<{ properties?: Record<string, Record<string, unknown>> }> };
      };
      expect(message.name).toBe(entry.type);
      expect(message.summary).toBe(entry.description);
      const specific = message.payload.allOf[1].properties!;
      expect(specific.type.const).toBe(`rdm.${entry.type}`);
      expect(specific.source.const).toBe(`/rdm/streams/${entry.category}`);
      expect(specific.data.required).toEqual(entry.keyFields);
      expect(Object.keys(specific.data.properties as object)).toEqual(entry.keyFields);
      expect(document.operations[`receive${entry.type}`]).toBeDefined();
    }
  });

  it('describes the cut-off message and is deterministic', () => {
    expect(document.components.messages.StreamCutOff).toMatchObject({ name: 'cutoff' });
    expect(JSON.stringify(buildAsyncApiDocument())).toBe(JSON.stringify(document));
  });
});
