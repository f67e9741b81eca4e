import { ChildApi, startChildApi } from '../../support/child-api';

/**
 * The real API (dist/apps/api/main.js) as a child process that can be `kill -9`ed and restarted on the
 * same data dir. Clients ask `ready()` for the current URL: while it restarts they wait for the new one.
 */
export class RestartableApi {
  private child?: ChildApi;
  private current?: Promise<string>;
  /** Output of every incarnation so far, for diagnostics. */
  private readonly outputs: string[] = [];
  kills = 0;
  starts = 0;

  constructor(private readonly env: Record<string, string>) {}

  start(): Promise<string> {
    this.child = startChildApi(this.env);
    this.starts++;
    const child = this.child;
    // If the test runner dies first, do not leave an API running on a deleted data dir.
    const reap = () => child.process.kill('SIGKILL');
    process.once('exit', reap);
    void child.exited.then(() => process.removeListener('exit', reap));
    this.current = child.url.catch((error: Error) => {
      throw new Error(`API incarnation #${this.starts} did not start: ${error.message}`);
    });
    this.current.catch(() => undefined);
    void child.exited.then(() => this.outputs.push(child.output()));
    return this.current;
  }

  ready(): Promise<string> {
    if (!this.current) throw new Error('start() the API first');
    return this.current;
  }

  get pid(): number | undefined {
    return this.child?.process.pid;
  }

  /** SIGKILL (no shutdown hooks, no flush), wait for the exit, start again. */
  async kill9AndRestart(): Promise<string> {
    const child = this.child!;
    child.process.kill('SIGKILL');
    const exit = await child.exited;
    if (exit.signal !== 'SIGKILL')
      throw new Error(`expected SIGKILL, got ${JSON.stringify(exit)}:\n${child.output()}`);
    this.kills++;
    return this.start();
  }

  /** SIGKILL without restarting. */
  async kill9(): Promise<void> {
    const child = this.child!;
    child.process.kill('SIGKILL');
    await child.exited;
    this.kills++;
    this.current = new Promise<string>(() => undefined); // clients wait until start()
  }

  async stop(): Promise<void> {
    await this.child?.stop();
  }

  output(): string {
    return [...this.outputs, this.child?.output() ?? ''].join('\n--- restart ---\n');
  }
}

/** Where a client sends its next request: one API process, or either of several. */
export interface ApiEndpoint {
  ready(): Promise<string>;
}

/**
 * Several API processes on one data dir (the scale-out set-up on the embedded stores): each request goes
 * to one of them at random, and each kill hits one of them at random while the others go on answering.
 */
export class ApiPool implements ApiEndpoint {
  constructor(
    readonly members: readonly RestartableApi[],
    private readonly random: () => number,
  ) {}

  private pick(): RestartableApi {
    return this.members[Math.floor(this.random() * this.members.length)];
  }

  ready(): Promise<string> {
    return this.pick().ready();
  }

  async start(): Promise<void> {
    for (const member of this.members) await member.start();
  }

  /** kill -9 of one member, then its restart. */
  kill9AndRestart(): Promise<string> {
    return this.pick().kill9AndRestart();
  }

  get kills(): number {
    return this.members.reduce((sum, member) => sum + member.kills, 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((member) => member.stop()));
  }

  output(): string {
    return this.members.map((member, i) => `=== API process ${i + 1}\n${member.output()}`).join('\n');
  }
}
