import { ConfigurationError, loadConfig } from './app-config';

describe('configuration', () => {
  it('runs on the embedded stores with no configuration at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      EVENT_STORE: 'sqlite',
      READ_STORE: 'sqlite',
      DATA_DIR: './data',
      PORT: 3000,
    });
    expect(config.eventStoreFile).toBe('data/events.db');
  });

  it('stops with a message naming the variable and what it accepts', () => {
    expect(() => loadConfig({ EVENT_STORE: 'postgres' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ EVENT_STORE: 'postgres' })).toThrow(
      /EVENT_STORE="postgres".*sqlite, eventstoredb/,
    );
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
  });

  it('chooses the HTTP adapter, and refuses an unknown one', () => {
    expect(loadConfig({}).HTTP_ADAPTER).toBe('fastify');
    expect(loadConfig({ HTTP_ADAPTER: 'fastify' }).HTTP_ADAPTER).toBe('fastify');
    expect(() => loadConfig({ HTTP_ADAPTER: 'koa' })).toThrow(/HTTP_ADAPTER="koa".*express, fastify/);
  });

  it('bounds how far the heap grows past its live size, and refuses a value V8 would not take', () => {
    expect(loadConfig({}).HEAP_GROWTH_PERCENT).toBe(30);
    expect(loadConfig({ HEAP_GROWTH_PERCENT: '0' }).HEAP_GROWTH_PERCENT).toBe(0); // V8's own heuristics
    expect(() => loadConfig({ HEAP_GROWTH_PERCENT: '-5' })).toThrow(/HEAP_GROWTH_PERCENT/);
    expect(() => loadConfig({ HEAP_GROWTH_PERCENT: 'some' })).toThrow(/HEAP_GROWTH_PERCENT/);
  });

  it('sizes the SQLite page caches, and refuses a size that is not a whole number of MiB', () => {
    expect(loadConfig({}).SQLITE_CACHE_MIB).toBe(4);
    expect(loadConfig({ SQLITE_CACHE_MIB: '64' }).SQLITE_CACHE_MIB).toBe(64);
    expect(() => loadConfig({ SQLITE_CACHE_MIB: '0' })).toThrow(/SQLITE_CACHE_MIB/);
    expect(() => loadConfig({ SQLITE_CACHE_MIB: '1.5' })).toThrow(/SQLITE_CACHE_MIB/);
  });

  it('requires a connection string when EventStoreDB is chosen', () => {
    expect(() => loadConfig({ EVENT_STORE: 'eventstoredb' })).toThrow(
      /EVENTSTORE_CONNECTION_STRING is required/,
    );
    expect(
      loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'esdb://x:2113?tls=false' })
        .EVENT_STORE,
    ).toBe('eventstoredb');
  });
});
